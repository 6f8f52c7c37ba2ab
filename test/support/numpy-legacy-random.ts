/**
 * numpy's legacy generator, `numpy.random.RandomState(seed)` with an integer seed: MT19937
 * seeded by `init_genrand`, doubles from two 32-bit words (`genrand_res53`), and `randn` by the
 * polar method, whose second value is kept for the next call. Used to check that a data file was
 * made as its note says; the normals may differ from numpy's in the last bit (Math.log).
 */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private index = 624;
  private spare: number | undefined;

  constructor(seed: number) {
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = this.mt[i - 1] as number;
      this.mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0;
    }
  }

  private next32(): number {
    if (this.index >= 624) {
      for (let i = 0; i < 624; i++) {
        const y = ((this.mt[i] as number) & 0x80000000) | ((this.mt[(i + 1) % 624] as number) & 0x7fffffff);
        this.mt[i] = (this.mt[(i + 397) % 624] as number) ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = this.mt[this.index++] as number;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** A double in [0, 1) with 53 random bits. */
  randomSample(): number {
    const a = this.next32() >>> 5;
    const b = this.next32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** One standard normal. */
  gauss(): number {
    if (this.spare !== undefined) {
      const g = this.spare;
      this.spare = undefined;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.randomSample() - 1;
      x2 = 2 * this.randomSample() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * Math.log(r2)) / r2);
    this.spare = f * x1;
    return f * x2;
  }

  /** `randn(...shape)`, row-major. */
  randn(n: number): Float64Array {
    return Float64Array.from({ length: n }, () => this.gauss());
  }
}
