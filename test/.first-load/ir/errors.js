class GraphgradError extends Error {
  name = "GraphgradError";
  /** Where the error arose: an op name, an input name, or a path in a decoded file. */
  where;
  constructor(where, message) {
    super(where === "" ? message : `${where}: ${message}`);
    this.where = where;
  }
}
function orThrow(e) {
  if (e._tag === "Left") throw e.left;
  return e.right;
}
export {
  GraphgradError,
  orThrow
};
