import type { DType } from "../../ir/dtype.js";
import { GraphgradError } from "../../ir/errors.js";
import { isOwnedByLibrary, isPending, pendingTensor, type Tensor } from "../../ir/tensor.js";

/**
 * Results a WASM executable leaves in its memory until they are read (pending tensors): the new
 * state of a train step that donated its old one, which the next step consumes where it lies, so a
 * loop that never reads its state copies nothing out. Before a run overwrites memory, the
 * executable settles them: those the run does not consume are copied out; those donated to it are
 * gone (reading one throws), unless the run may fail after writing (a failed step donates nothing),
 * when they are copied out too.
 */
export interface PendingResults {
  /** `o`'s value as a pending tensor; read, it goes into the array of `donated` where that tensor's array was made (a loop reading every step allocates nothing), else into a fresh one. */
  leave(o: ResultView, donated: Tensor): Tensor;
  /** Before a run writes anything: copies out every unread result but those in `donated`. */
  settleKept(donated?: readonly (Tensor | undefined)[]): void;
  /** Once the feeds are in: the donated unread results are gone, or copied out when `keep`. */
  settleDonated(keep: boolean): void;
}

/** An output's view in the module's memory, with its dtype and shape. */
export interface ResultView {
  readonly view: Float32Array | Float64Array | Int32Array;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

/** Results below this many elements are copied out at once even when donated (cheaper than leaving them pending). */
export const PENDING_MIN_ELEMENTS = 1024;

/** A pending result's state: gone once a run it was donated to starts; until then, the donated tensor whose array it may fill. */
interface State {
  gone: boolean;
  donated: Tensor | undefined;
}

export function pendingResults(): PendingResults {
  let unread: { readonly tensor: Tensor; readonly state: State }[] = [];
  return {
    leave: (o, donated) => {
      // Once gone, the tensor lets go of the one it replaced (a loop's states do not chain up).
      const state: State = { gone: false, donated };
      const tensor = pendingTensor(o.dtype, o.shape, () => {
        const into = state.donated;
        if (state.gone || into === undefined) throw new GraphgradError("wasm", "this tensor is part of a train state donated to a later step (donate: true), whose run overwrote it: read a state's tensors before the next step uses it, or train with donate: false");
        state.donated = undefined;
        if (isPending(into) || !isOwnedByLibrary(into) || into.dtype !== o.dtype || into.data.length !== o.view.length) return o.view.slice();
        into.data.set(o.view);
        return into.data;
      });
      unread.push({ tensor, state });
      return tensor;
    },
    settleKept: (donated) => {
      if (unread.length === 0) return;
      const waiting = unread.filter((u) => donated?.includes(u.tensor) === true);
      for (const u of unread) if (!waiting.includes(u)) void u.tensor.data;
      unread = waiting;
    },
    settleDonated: (keep) => {
      if (unread.length === 0) return;
      for (const u of unread) {
        if (keep) void u.tensor.data;
        else {
          u.state.gone = true;
          u.state.donated = undefined;
        }
      }
      unread = [];
    },
  };
}
