/**
 * Prints the plain closing line CI reads: "jest: N passed, N failed, N skipped", as the
 * last line of the run. Jest adds its own summary reporter ("Tests: …", "Ran all test
 * suites.") after every configured reporter and calls them in turn, so the line is
 * written once the current turn of the event loop, and with it jest's summary, is done.
 */
class PlainSummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const line = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    setImmediate(() => process.stdout.write(line));
  }
}
module.exports = PlainSummaryReporter;
