import * as gg from "../../src/index.js";
import { MAX_LENGTH, SYMBOLS } from "./data.js";

/**
 * An LSTM encoder-decoder in the shape of the seed's chatbot (seed 000): an encoder LSTM reads the
 * one-hot input symbols; a decoder LSTM starts from the encoder's final state, takes a GO vector
 * (all ones) first and then its own previous output (the chatbot's `feed_previous`), and emits
 * one vector per position, here a softmax over the 11 symbols, compared with the one-hot target
 * by mean square.
 */
export interface Seq2SeqParams {
  readonly encoder: gg.nn.LSTMParams;
  readonly decoder: gg.nn.LSTMParams;
  readonly output: gg.nn.DenseParams;
  readonly specs: readonly gg.nn.ParamSpec[];
}

export function seq2seqParams(hidden: number): Seq2SeqParams {
  const encoder = gg.nn.lstmParams("encoder", SYMBOLS, hidden);
  const decoder = gg.nn.lstmParams("decoder", SYMBOLS, hidden);
  const output = gg.nn.denseParams("output", hidden, SYMBOLS);
  return { encoder, decoder, output, specs: gg.nn.specsOf(encoder, decoder, output) };
}

/** int32 ids [batch, 5] → probabilities [batch, 5, 11]. */
export function seq2seq(ids: gg.Expr, p: Seq2SeqParams): gg.Expr {
  const batch = ids.shape[0] as gg.Dim;
  const encoderCell = gg.nn.lstmCell(p.encoder);
  const decoderCell = gg.nn.lstmCell(p.decoder);
  const inputs = gg.nn.unstack(gg.oneHot(ids, SYMBOLS), 1);
  const encoded = gg.nn.unroll(encoderCell, inputs, encoderCell.zeroState(batch));
  let state = encoded.state;
  let next = gg.ones([batch, SYMBOLS]); // GO
  const outputs: gg.Expr[] = [];
  for (let t = 0; t < MAX_LENGTH; t++) {
    const [h, s] = decoderCell.step(next, state);
    state = s;
    next = gg.softmax(gg.nn.dense(h, p.output));
    outputs.push(next);
  }
  return gg.stack(outputs, 1);
}
