import { create } from "@bufbuild/protobuf";
import type { Node } from "../../ir/node.js";
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
  /** Where this graph reads each symbolic dimension's size. */
  readonly symbols: ReadonlyMap<string, SymbolSource>;
  /** Emits a node of ONNX op `type` with one output; returns the output's name. */
  op(type: string, inputs: readonly string[], attrs?: readonly AttributeProto[]): string;
  /** Emits a node with `count` outputs; returns their names. */
  ops(type: string, inputs: readonly string[], attrs: readonly AttributeProto[], count: number): string[];
  /** A fresh value name (for a subgraph's inputs and outputs). */
  fresh(base: string): string;
  /** `make()` the first time `key` is asked for, its result ever after (one ONNX node for several graphgrad nodes). */
  once<T>(key: string, make: () => T): T;
  /**
   * A context for a subgraph (a control-flow body) of this graph: its own nodes and constants,
   * names that clash with none of the model's, and where its symbols' sizes are read (it sees
   * this graph's values, as ONNX subgraphs see their outer scope).
   */
  nested(symbols: ReadonlyMap<string, SymbolSource>): OnnxContext & Emitted;
  /**
   * Emits graphgrad nodes (operands first) into this context through the export rules; returns
   * each node's ONNX value name. `seeded` names the values that exist already (a body's inputs).
   */
  emit(nodes: readonly Node[], seeded?: ReadonlyMap<Node, string>): Map<Node, string>;
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

/** How nodes are emitted through the rule table (given to the context: the rules import no driver). */
export type NodeEmitter = (nodes: readonly Node[], cx: OnnxContext, seeded?: ReadonlyMap<Node, string>) => Map<Node, string>;

/** What a context has emitted: nodes in order, and the constants they use. */
export interface Emitted {
  readonly nodes: NodeProto[];
  readonly initializers: TensorProto[];
}

/** Constants up to this many elements are shared between the rules that ask for equal ones. */
const SHARED_CONSTANT_MAX = 16;

/** Fresh value names, unique in a whole model (ONNX forbids a subgraph to reuse an outer name). */
function nameSource(reserved: ReadonlySet<string>): (base: string) => string {
  const taken = new Set(reserved);
  let counter = 0;
  return (base) => {
    let name = `${base}_${counter++}`;
    while (taken.has(name)) name = `${base}_${counter++}`;
    taken.add(name);
    return name;
  };
}

/**
 * A fresh context. `reserved` are names the graph already uses (inputs, parameters, outputs):
 * fresh names avoid them. `symbols` says where each symbolic dimension's size is read.
 */
export function createContext(opset: number, reserved: ReadonlySet<string>, symbols: ReadonlyMap<string, SymbolSource>, emitter: NodeEmitter): OnnxContext & Emitted {
  return contextWith(opset, nameSource(reserved), symbols, emitter);
}

function contextWith(opset: number, fresh: (base: string) => string, symbols: ReadonlyMap<string, SymbolSource>, emitter: NodeEmitter): OnnxContext & Emitted {
  const nodes: NodeProto[] = [];
  const initializers: TensorProto[] = [];
  // Results by key: constants and symbol reads are emitted once and reused (keys say what they are).
  const made = new Map<string, unknown>();

  const cx: OnnxContext & Emitted = {
    opset,
    symbols,
    nodes,
    initializers,
    op: (type, inputs, attrs = []) => cx.ops(type, inputs, attrs, 1)[0] as string,
    ops(type, inputs, attrs, count) {
      const outputs = Array.from({ length: count }, () => fresh(type));
      nodes.push(create(NodeProtoSchema, { opType: type, name: outputs[0] ?? type, input: [...inputs], output: outputs, attribute: [...attrs] }));
      return outputs;
    },
    fresh,
    once<T>(key: string, make: () => T): T {
      if (!made.has(key)) made.set(key, make());
      return made.get(key) as T;
    },
    nested: (inner) => contextWith(opset, fresh, inner, emitter),
    emit: (ns, seeded) => emitter(ns, cx, seeded),
    constant(elem, shape, values) {
      const emit = (): string => {
        const name = fresh("const");
        initializers.push(tensorProto(elem, shape, values, name));
        return name;
      };
      if (values.length > SHARED_CONSTANT_MAX) return emit();
      // Object.is-exact spelling: -0 and NaN are constants of their own.
      const spelled = Array.from(values, (v) => (Object.is(v, -0) ? "-0" : String(v))).join(",");
      return cx.once(`const ${elem} [${shape.join(",")}] ${spelled}`, emit);
    },
    scalar: (value, elem) => cx.constant(elem, [], [value]),
    int64s: (values) => cx.constant("int64", [values.length], values),
    shape(shape) {
      if (shape.every((d): d is number => typeof d === "number")) return cx.int64s(shape);
      return cx.once(`shape [${shape.join(",")}]`, () => {
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
      return cx.once(`dim ${elem} ${dim}`, () => {
        const size = cx.op("Reshape", [symbolSize(dim), cx.int64s([])]);
        return elem === "int64" ? size : cx.op("Cast", [size], [intAttr("to", ONNX_TYPE[elem])]);
      });
    },
  };

  /** The run-time size of a symbol as an int64[1] tensor (`Shape` of the input that has it). */
  const symbolSize = (symbol: string): string =>
    cx.once(`symbol ${symbol}`, () => {
      const source = symbols.get(symbol);
      // The driver checks every symbol is bound before any rule runs.
      if (source === undefined) throw new Error(`internal: symbol ${symbol} has no source`);
      return cx.op("Shape", [source.value], [intAttr("start", source.axis), intAttr("end", source.axis + 1)]);
    });

  return cx;
}
