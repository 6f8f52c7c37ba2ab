import { create, toBinary } from "@bufbuild/protobuf";
import { type Either, chain, left, map } from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import { GraphgradError, orThrow } from "../../ir/errors.js";
import { type Graph, graphInputs } from "../../ir/graph.js";
import { runPasses } from "../../ir/passes/optimize.js";
import type { Tensor } from "../../ir/tensor.js";
import { graph } from "../compile.js";
import type { Expr } from "../expr.js";
import { createContext } from "./context.js";
import { checkExportable, emitNodes } from "./graph.js";
import { symbolSources } from "./symbols.js";
import { valueInfo } from "./value-info.js";
import { DEFAULT_OPSET, irVersionFor, MAX_OPSET, MIN_OPSET } from "./opsets.js";
import { paramInitializers } from "./params.js";
import { type GraphProto, GraphProtoSchema, ModelProtoSchema, type NodeProto, NodeProtoSchema } from "./proto/onnx/onnx_pb.js";

export interface OnnxExportOptions {
  /** A value for every parameter (`gg.param`) the outputs use: they become initializers. Others are ignored. */
  readonly params?: Readonly<Record<string, Tensor>>;
  /** The ONNX opset to target, MIN_OPSET to MAX_OPSET; default DEFAULT_OPSET. */
  readonly opset?: number;
  /** The graph's name in the file; default "graphgrad". */
  readonly name?: string;
}

const WHERE = "onnx.export";

/**
 * An inference graph as an ONNX model file: `outputs` name → expression, optimized as `compile`
 * optimizes it (verify, fold, simplify, DCE) and then written op by op (`ONNX_RULES`). Every
 * `gg.input` becomes a graph input (a symbolic dimension a named `dim_param`), every `gg.param`
 * an initializer holding its value from `params`. Returns the file's bytes.
 */
export function exportOnnx(outputs: Readonly<Record<string, Expr>>, options: OnnxExportOptions = {}): Uint8Array {
  return exportGraph(graph(outputs), options);
}

/** `exportOnnx` of a graph (its inputs all kept, as the passes keep them). */
export function exportGraph(g: Graph, options: OnnxExportOptions = {}): Uint8Array {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new GraphgradError(WHERE, `opset ${opset} is not supported: ${MIN_OPSET} to ${MAX_OPSET}`);
  }
  const model = pipe(
    runPasses(g),
    chain((optimized) => graphProto(optimized, opset, options.params ?? {}, options.name ?? "graphgrad")),
    map((body) =>
      create(ModelProtoSchema, {
        irVersion: BigInt(irVersionFor(opset)),
        opsetImport: [{ domain: "", version: BigInt(opset) }],
        producerName: "graphgrad",
        graph: body,
      }),
    ),
  );
  return toBinary(ModelProtoSchema, orThrow(model));
}

function graphProto(g: Graph, opset: number, params: Readonly<Record<string, Tensor>>, name: string): Either<GraphgradError, GraphProto> {
  const inputs = graphInputs(g);
  const inputNames = new Set(inputs.map((n) => n.attrs.name));
  const clash = Object.keys(g.outputs).find((k) => inputNames.has(k));
  if (clash !== undefined) return left(new GraphgradError(WHERE, `output '${clash}' has the name of an input, and ONNX names every value once: give the output another name`));
  // Graph inputs and parameters are ONNX values of their own names.
  const symbols = symbolSources(inputs.map((n) => ({ node: n, value: n.attrs.name })));
  return pipe(
    paramInitializers(inputs, params),
    chain((initializers) => pipe(checkExportable(g.nodes, new Set(symbols.keys())), map(() => initializers))),
    map((initializers) => {
      const cx = createContext(opset, new Set([...inputNames, ...Object.keys(g.outputs)]), symbols, emitNodes);
      const names = cx.emit(g.nodes);
      // Each output is an Identity of its value, so that it has its own name (an output may be an input, or share a node).
      for (const [out, node] of Object.entries(g.outputs)) cx.nodes.push(identity(names.get(node) as string, out));
      return create(GraphProtoSchema, {
        name,
        node: cx.nodes,
        initializer: [...initializers, ...cx.initializers],
        input: inputs.filter((n) => n.attrs.kind === "input").map((n) => valueInfo(n.attrs.name, n.dtype, n.shape)),
        output: Object.entries(g.outputs).map(([out, node]) => valueInfo(out, node.dtype, node.shape)),
      });
    }),
  );
}

function identity(from: string, to: string): NodeProto {
  return create(NodeProtoSchema, { opType: "Identity", name: to, input: [from], output: [to] });
}
