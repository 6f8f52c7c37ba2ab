import { create, toBinary } from "@bufbuild/protobuf";
import { EventSchema } from "./proto/tensorboard/compat/proto/event_pb.js";
import type { Histogram } from "./histogram.js";

/**
 * The serialized `Event` messages of an event file: the version record every file starts with, a
 * scalar (TensorBoard's `simple_value`, a float32), a histogram and a graph.
 */

/** The version TensorBoard expects in the first record of a file. */
export const FILE_VERSION = "brain.Event:2";

export function versionEvent(wallTime: number): Uint8Array {
  return toBinary(EventSchema, create(EventSchema, { wallTime, what: { case: "fileVersion", value: FILE_VERSION } }));
}

export function scalarEvent(wallTime: number, step: number, tag: string, value: number): Uint8Array {
  return toBinary(EventSchema, create(EventSchema, { wallTime, step: BigInt(step), what: { case: "summary", value: { value: [{ tag, value: { case: "simpleValue", value } }] } } }));
}

export function histogramEvent(wallTime: number, step: number, tag: string, h: Histogram): Uint8Array {
  const histo = { ...h, bucketLimit: [...h.bucketLimit], bucket: [...h.bucket] };
  return toBinary(EventSchema, create(EventSchema, { wallTime, step: BigInt(step), what: { case: "summary", value: { value: [{ tag, value: { case: "histo", value: histo } }] } } }));
}

export function graphEvent(wallTime: number, graphDef: Uint8Array): Uint8Array {
  return toBinary(EventSchema, create(EventSchema, { wallTime, what: { case: "graphDef", value: graphDef } }));
}
