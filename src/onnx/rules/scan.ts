import { create } from "@bufbuild/protobuf";
import { canonical, type Node, type NodeOf } from "../../../ir/node.js";
import { scanCounts } from "../../../ir/ops/scan.js";
import { subgraphNodes } from "../../../ir/subgraph.js";
import { graphAttr, intAttr, intsAttr, tensorAttr } from "../attributes.js";
import type { OnnxContext } from "../context.js";
import { GraphProtoSchema, type ValueInfoProto } from "../proto/onnx/onnx_pb.js";
import { symbolSources } from "../symbols.js";
import { tensorProto } from "../tensors.js";
import { valueInfo } from "../value-info.js";
import type { OnnxRule } from "./rule.js";

/**
 * scan as ONNX Scan. The consts are read by the body from the outer scope (ONNX subgraphs see
 * their outer graph's values), the carries are Scan's state, the xs its scan inputs. The body
 * returns the next carries, the ys, and the carries it received (graphgrad's carry stacks). A
 * reverse scan runs its inputs last to first and prepends its outputs, so the ys stay indexed by
 * step. A scan without xs (its length known) scans a splat of that length that the body ignores.
 * Every result of one scan (the nodes that differ only in `output`) comes from one Scan node.
 */
function emitScan(n: NodeOf<"scan">, inputs: readonly string[], cx: OnnxContext): string[] {
  const a = n.attrs;
  const { consts, carry, xs, ys } = scanCounts(a);
  const params = a.body.params;
  const seeded = new Map<Node, string>();
  const bodyInputs: ValueInfoProto[] = [];
  params.forEach((p, i) => {
    if (i < consts) {
      seeded.set(p, inputs[i] as string);
      return;
    }
    const value = cx.fresh("scan_in");
    seeded.set(p, value);
    bodyInputs.push(valueInfo(value, p.dtype, p.shape));
  });
  let scanned = inputs.slice(consts + carry);
  if (xs === 0) {
    const steps = cx.op("ConstantOfShape", [cx.int64s([a.length as number])], [tensorAttr("value", tensorProto("bool", [1], [0]))]);
    scanned = [steps];
    bodyInputs.push(valueInfo(cx.fresh("scan_step"), "bool", []));
  }
  const body = cx.nested(symbolSources(params.map((p) => ({ node: p, value: seeded.get(p) as string })), cx.symbols));
  const names = body.emit(subgraphNodes(a.body), seeded);
  const carriesIn = params.slice(consts, consts + carry);
  // Outputs of their own names (a result may be a body input, or two results one node).
  const outputs: ValueInfoProto[] = [
    ...a.body.results.map((r) => valueInfo(body.op("Identity", [names.get(r) as string]), r.dtype, r.shape)),
    ...carriesIn.map((p) => valueInfo(body.op("Identity", [seeded.get(p) as string]), p.dtype, p.shape)),
  ];
  const graph = create(GraphProtoSchema, { name: cx.fresh("scan_body"), node: body.nodes, initializer: body.initializers, input: bodyInputs, output: outputs });
  const directions = a.reverse
    ? [intsAttr("scan_input_directions", scanned.map(() => 1)), intsAttr("scan_output_directions", Array.from({ length: ys + carry }, () => 1))]
    : [];
  const attrs = [graphAttr("body", graph), intAttr("num_scan_inputs", scanned.length), ...directions];
  return cx.ops("Scan", [...inputs.slice(consts, consts + carry), ...scanned], attrs, 2 * carry + ys);
}

export const scanRules: { readonly scan: OnnxRule<"scan"> } = {
  scan: (n, inputs, cx) => {
    const key = `scan(${n.inputs.map((x) => x.id).join(",")})${canonical({ ...n.attrs, output: -1 })}`;
    return cx.once(key, () => emitScan(n, inputs, cx))[n.attrs.output] as string;
  },
};
