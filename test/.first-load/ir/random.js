const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24];
function rotl(x, r) {
  return (x << r | x >>> 32 - r) >>> 0;
}
function threefry2x32(k0, k1, c0, c1) {
  const ks = [k0 >>> 0, k1 >>> 0, (466688986 ^ k0 ^ k1) >>> 0];
  let x0 = c0 + ks[0] >>> 0;
  let x1 = c1 + ks[1] >>> 0;
  for (let block = 0; block < 5; block++) {
    for (let r = 0; r < 4; r++) {
      x0 = x0 + x1 >>> 0;
      x1 = rotl(x1, ROTATIONS[block % 2 * 4 + r]) ^ x0;
    }
    const s = block + 1;
    x0 = x0 + ks[s % 3] >>> 0;
    x1 = x1 + ks[(s + 1) % 3] + s >>> 0;
  }
  return [x0, x1];
}
const TWO_M24 = 2 ** -24;
function uniformFromBits(w) {
  return (w >>> 8) * TWO_M24;
}
function normalFromBits(w0, w1) {
  const u1 = ((w0 >>> 8) + 1) * TWO_M24;
  const u2 = (w1 >>> 8) * TWO_M24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
function randomElement(k0, k1, i, dist) {
  const [w0, w1] = threefry2x32(k0, k1, i, 0);
  switch (dist) {
    case "bits":
      return w0 | 0;
    case "uniform":
      return uniformFromBits(w0);
    case "normal":
      return normalFromBits(w0, w1);
  }
}
export {
  normalFromBits,
  randomElement,
  threefry2x32,
  uniformFromBits
};
