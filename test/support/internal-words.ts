/**
 * Words a reader outside the project cannot know: the project's internal names for the programs
 * it reproduces ("seed 003", "the seed's forms") and for its own goals ("the targets").
 * User-facing text (the README, the report `npm start` writes) says what they are instead: "the
 * TensorFlow PTB tutorial's LSTM". A random seed (`--seed N`, "a seeded shuffle") is fine.
 */
const INTERNAL = /\bseeds? \d{3}\b|\bseed's\b|\bthe seeds?\b|\bseed (?:programs?|recipes?|forms?|chatbot|demos?|printout)\b|\bissue's\b|\bthe issue\b/gi;

/** Each internal word in a text, with some context. */
export function internalWords(text: string): string[] {
  return [...text.matchAll(INTERNAL)].map((m) => text.slice(Math.max(0, m.index - 30), m.index + m[0].length + 30).replace(/\s+/g, " "));
}
