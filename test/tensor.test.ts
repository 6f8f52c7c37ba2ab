import { describe, expect, it } from "vitest";
import * as gg from "../src/index.js";

/** Creating tensors: gg.tensor (shape inferred), tensorFrom with a shape, and what they refuse. */

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(gg.GraphgradError);
    return (e as Error).message;
  }
  throw new Error("expected a GraphgradError, nothing was thrown");
}

describe("gg.tensor", () => {
  it("infers the shape from nested arrays; float32 unless every element is a boolean", () => {
    const t = gg.tensor([[1, 2, 3], [4, 5, 6]]);
    expect([t.dtype, t.shape, Array.from(t.data)]).toEqual(["float32", [2, 3], [1, 2, 3, 4, 5, 6]]);
    const s = gg.tensor(2.5);
    expect([s.dtype, s.shape, s.item()]).toEqual(["float32", [], 2.5]);
    const b = gg.tensor([[true, false], [false, true]]);
    expect([b.dtype, b.shape, b.toArray()]).toEqual(["bool", [2, 2], [[true, false], [false, true]]]);
    expect(gg.tensor([true, 0]).dtype).toBe("float32");
    expect(gg.tensor(true).dtype).toBe("bool");
    expect(gg.tensor([]).shape).toEqual([0]);
  });

  it("takes a dtype, and a typed array's own dtype by default", () => {
    expect(gg.tensor([1, 2], "int32").data).toEqual(Int32Array.of(1, 2));
    expect(gg.tensor([0.1], "float64").data[0]).toBe(0.1);
    expect(gg.tensor(Float64Array.of(0.1)).dtype).toBe("float64");
    expect(gg.tensor(Int32Array.of(3)).dtype).toBe("int32");
    expect(gg.tensor(Uint8Array.of(3)).dtype).toBe("float32");
    expect(gg.tensor([1, 0], "bool").toArray()).toEqual([true, false]);
  });

  it("refuses values its dtype cannot hold, ragged data and things that are not numbers", () => {
    expect(message(() => gg.tensor([1, 2.5], "int32"))).toBe("tensor: element 1 is 2.5: int32 takes integers in [-2147483648, 2147483647] (cast converts other values)");
    expect(message(() => gg.tensor([[0, 1], [2, 1]], "bool"))).toBe("tensor: element 2 (at [1,0]) is 2: bool takes only 0, 1, true and false");
    expect(message(() => gg.tensor([[1, 2], [3]]))).toBe("tensor: ragged nested array: element 1 has shape [1], element 0 has [2]");
    expect(message(() => gg.tensor([1, "2"] as unknown as number[]))).toBe('tensor: element 1 is "2": float32 takes numbers');
    expect(message(() => gg.tensor("12" as unknown as number))).toBe('tensor: expected nested arrays of numbers, a number or a typed array, got "12"');
  });
});

describe("tensorFrom with a shape", () => {
  it("a flat number[] (or typed array) fills any shape with as many elements", () => {
    const t = gg.tensorFrom([1, 2, 3, 4, 5, 6], "float32", [2, 3]);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(gg.tensorFrom([7], "int32", []).item()).toBe(7);
    expect(gg.tensorFrom([1, 2, 3, 4], "int32", [2, 1, 2]).toArray()).toEqual([[[1, 2]], [[3, 4]]]);
    expect(gg.tensorFrom(Float32Array.of(1, 2, 3, 4), "float32", [2, 2]).toArray()).toEqual([[1, 2], [3, 4]]);
    expect(gg.tensorFrom([], "float32", [0, 3]).shape).toEqual([0, 3]);
  });

  it("refuses a count that does not match, and nested data of another shape", () => {
    expect(message(() => gg.tensorFrom([1, 2, 3, 4, 5], "float32", [2, 3]))).toBe("tensor: 5 values given for shape [2,3] (6 elements)");
    expect(message(() => gg.tensorFrom([[1, 2, 3], [4, 5, 6]], "float32", [3, 2]))).toBe("tensor: data of shape [2,3] given for shape [3,2]");
    expect(message(() => gg.tensorFrom(Float32Array.of(1, 2, 3), "float32", [2, 2]))).toBe("tensor: 3 values given for shape [2,2] (4 elements)");
    expect(message(() => gg.tensorFrom([1, 2], "float32", [-1, -2]))).toBe("tensor: shape[0] must be a non-negative integer, got -1");
  });

  it("refuses unknown dtypes, here and in every builder that takes one", () => {
    const x = gg.input("x", [2]);
    const unknown = "complex64" as gg.DType;
    const want = (where: string): string => `${where}: unknown dtype "complex64": expected one of bool, int32, float32, float64`;
    expect(message(() => gg.tensorFrom([1, 2], unknown))).toBe(want("tensor"));
    expect(message(() => gg.tensor([1, 2], unknown))).toBe(want("tensor"));
    expect(message(() => gg.input("c", [2], unknown))).toBe(want("input 'c'"));
    expect(message(() => gg.param("c", [2], unknown))).toBe(want("param 'c'"));
    expect(message(() => gg.cast(x, unknown))).toBe(want("cast"));
    expect(message(() => gg.zeros([2], unknown))).toBe(want("fill"));
    expect(message(() => gg.fill([2], 1, unknown))).toBe(want("fill"));
    expect(message(() => gg.constant([1], unknown))).toBe(want("constant"));
    expect(message(() => gg.iota([2], 0, unknown))).toBe(want("iota"));
    expect(message(() => gg.random.uniform(gg.random.key(0), [2], { dtype: unknown }))).toBe(want("random.uniform"));
    expect(message(() => new gg.Tensor(unknown, [1], new Float32Array(1)))).toBe(want("tensor"));
  });

  it("the Tensor constructor takes the dtype's own array kind, and bools of 0 or 1", () => {
    expect(message(() => new gg.Tensor("int32", [2], Float32Array.of(1, 2) as unknown as Int32Array))).toBe(
      "tensor: an int32 tensor keeps its data in an Int32Array, got a Float32Array (tensorFrom converts)",
    );
    expect(message(() => new gg.Tensor("bool", [2], Uint8Array.of(1, 2)))).toBe("tensor: element 1 is 2: bool takes only 0, 1, true and false");
    expect(message(() => new gg.Tensor("float32", [3], new Float32Array(2)))).toBe("tensor: 2 values do not fill shape [3]");
  });
});
