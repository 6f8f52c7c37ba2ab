import { create } from "@bufbuild/protobuf";
import type { Dim, Shape } from "../../ir/shape.js";
import { intAttr } from "./attributes.js";
import { type AttributeProto, type NodeProto, NodeProtoSchema, type TensorProto } from "./proto/onnx/onnx_pb.js";
import { ONNX_TYPE, type OnnxElem, tensorProto } from "./tensors.js";

/** Where a symbolic dimension's size can be read at run time: axis `axis` of the graph value `value`. */
export interface SymbolSource {
  readonly value: string;
  readonly axis: number;
}

/**
 * What an export rule emits with: ONNX nodes and constants, with fresh value names. One context
 * builds one ONNX graph (a control-flow body would get a context of its own).
 */
export interface OnnxContext {
  readonly opset: number;
  /** Emits a node of ONNX op `type` with one output; returns the output's name. */
  op(type: string, inputs: readonly string[], attrs?: readonly AttributeProto[]): string;
  /** A constant tensor (an initializer); small equal constants are shared. */
  constant(elem: OnnxElem, shape: readonly number[], values: ArrayLike<number>): string;
  /** A rank-0 constant. */
  scalar(value: number, elem: OnnxElem): string;
  /** A 1-D int64 constant (axes, pads, starts, ...). */
  int64s(values: readonly number[]): string;
  /** A shape as a 1-D int64 tensor: a constant, or read from the inputs where it is symbolic. */
  shape(shape: Shape): string;
  /** One dimension as a rank-0 tensor of `elem`. */
  dimScalar(dim: Dim, elem: OnnxElem): string;
}

/** What a context has emitted: nodes in order, and the constants they use. */
export interface Emitted {
  readonly nodes: NodeProto[];
  readonly initializers: TensorProto[];
}

/** Constants up to this many elements are shared between the rules that ask for equal ones. */
const SHARED_CONSTANT_MAX = 16;

/**
 * A fresh context. `reserved` are names the graph already uses (inputs, parameters, outputs):
 * fresh names avoid them. `symbols` says where each symbolic dimension's size is read.
 */
export function createContext(opset: number, reserved: ReadonlySet<string>, symbols: ReadonlyMap<string, SymbolSource>): OnnxContext & Emitted {
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  const taken = new Set(reserved);
  const shared = new Map<string, string>();
  let counter = 0;

  const fresh = (base: string): string => {
    let name = `${base}_${counter++}`;
    while (taken.has(name)) name = `${base}_${counter++}`;
    taken.add(name);
    return name;
  };

  /** `make` once per key: constants and symbol reads are emitted once and reused. */
  const memo = (key: string, make: () => string): string => {
    const hit = shared.get(key);
    if (hit !== undefined) return hit;
    const name = make();
    shared.set(key, name);
    return name;
  };

  const cx: OnnxContext & Emitted = {
    opset,
    nodes,
    initializers,
    op(type, inputs, attrs = []) {
      const output = fresh(type);
      nodes.push(create(NodeProtoSchema, { opType: type, name: output, input: [...inputs], output: [output], attribute: [...attrs] }));
      return output;
    },
    constant(elem, shape, values) {
      const emit = (): string => {
        const name = fresh("const");
        initializers.push(tensorProto(elem, shape, values, name));
        return name;
      };
      if (values.length > SHARED_CONSTANT_MAX) return emit();
      // Object.is-exact spelling: -0 and NaN are constants of their own.
      const spelled = Array.from(values, (v) => (Object.is(v, -0) ? "-0" : String(v))).join(",");
      return memo(`const ${elem} [${shape.join(",")}] ${spelled}`, emit);
    },
    scalar: (value, elem) => cx.constant(elem, [], [value]),
    int64s: (values) => cx.constant("int64", [values.length], values),
    shape(shape) {
      if (shape.every((d): d is number => typeof d === "number")) return cx.int64s(shape);
      return memo(`shape [${shape.join(",")}]`, () => {
        // Runs of known sizes become one constant; each symbol is read from its input.
        const parts: string[] = [];
        let run: number[] = [];
        for (const d of shape) {
          if (typeof d === "number") run.push(d);
          else {
            if (run.length > 0) parts.push(cx.int64s(run));
            run = [];
            parts.push(symbolSize(d));
          }
        }
        if (run.length > 0) parts.push(cx.int64s(run));
        return parts.length === 1 ? (parts[0] as string) : cx.op("Concat", parts, [intAttr("axis", 0)]);
      });
    },
    dimScalar(dim, elem) {
      if (typeof dim === "number") return cx.scalar(dim, elem);
      return memo(`dim ${elem} ${dim}`, () => {
        const size = cx.op("Reshape", [symbolSize(dim), cx.int64s([])]);
        return elem === "int64" ? size : cx.op("Cast", [size], [intAttr("to", ONNX_TYPE[elem])]);
      });
    },
  };

  /** The run-time size of a symbol as an int64[1] tensor (`Shape` of the input that has it). */
  const symbolSize = (symbol: string): string =>
    memo(`symbol ${symbol}`, () => {
      const source = symbols.get(symbol);
      // The driver checks every symbol is bound before any rule runs.
      if (source === undefined) throw new Error(`internal: symbol ${symbol} has no source`);
      return cx.op("Shape", [source.value], [intAttr("start", source.axis), intAttr("end", source.axis + 1)]);
    });

  return cx;
}
