import { I } from "./opcodes.js";
function coalesce(shape, strides) {
  const keep = shape.map((_, i) => i).filter((i) => shape[i] !== 1);
  let dims = keep.map((i) => shape[i]);
  let st = strides.map((s) => keep.map((i) => s[i]));
  for (let a = dims.length - 2; a >= 0; a--) {
    const inner = dims[a + 1];
    if (st.every((s) => s[a] === s[a + 1] * inner)) {
      dims = [...dims.slice(0, a), dims[a] * inner, ...dims.slice(a + 2)];
      st = st.map((s) => [...s.slice(0, a), s[a + 1], ...s.slice(a + 2)]);
    }
  }
  return { shape: dims, strides: st };
}
function emitNest(f, dims, strides, start, body) {
  if (dims.length === 0) {
    body(start);
    return;
  }
  const n = dims[0];
  const ptrs = start.map(() => f.local("i32"));
  ptrs.forEach((p, k) => f.get(start[k]).set(p));
  const i = f.local("i32");
  f.forRange(i, 0, n, 1, () => {
    emitNest(
      f,
      dims.slice(1),
      strides.map((s) => s.slice(1)),
      ptrs,
      body
    );
    ptrs.forEach((p, k) => {
      const s = strides[k][0];
      if (s !== 0) f.get(p).i32(s).op(I.i32_add).set(p);
    });
  });
}
function startLocals(f, addresses) {
  return addresses.map((a) => {
    const l = f.local("i32");
    f.i32(a).set(l);
    return l;
  });
}
export {
  coalesce,
  emitNest,
  startLocals
};
