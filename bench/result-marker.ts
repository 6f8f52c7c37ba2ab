/** The prefix of the one line a worker prints with its result (JSON of a Figure). */
export const RESULT_MARKER = "@@bench ";
