/**
 * A property checked by `graphgrad/testing` does not hold. The message names the check, where it
 * failed (input, element, output, backend) and the numbers on both sides, so a test runner's
 * report says what is wrong without a debugger.
 */
export class CheckFailure extends Error {
  override readonly name = "CheckFailure";

  constructor(
    /** The check that failed: "checkGrads", "checkBackends", ... */
    readonly check: string,
    detail: string,
  ) {
    super(`${check}: ${detail}`);
  }
}
