package io.streamalign.chaos;

/**
 * What one injected fault did.
 *
 * @param index 1-based position in the run
 * @param fault the fault
 * @param detail what exactly was done (pid, pause length, ...)
 * @param recoveryMs fault (kill, SIGCONT, broker ready) to the first snapshot / prediction after
 *     it; the timeout when nothing came
 * @param recovered whether the services recovered before the timeout
 * @param counts the audit right after recovery
 * @param note anything else seen (a service that exited by itself), or ""
 */
public record FaultResult(
    int index,
    Fault fault,
    String detail,
    long recoveryMs,
    boolean recovered,
    TopicAudit.Counts counts,
    String note) {

  /** The line printed for this fault. */
  public String line(int total) {
    TopicAudit.Counts c = counts;
    return String.format(
        java.util.Locale.ROOT,
        "fault %d/%d %s (%s): %s %.1f s; lost %d, learned-twice %d, predictions-missing %d, "
            + "predictions-duplicated %d, bad-snapshot-offsets %d (snapshot v%d samplesSeen %d vs %d paired "
            + "before its offsets; %d predictions for %d infer records)%s",
        index,
        total,
        fault.label(),
        detail,
        recovered ? "recovered in" : "NOT recovered after",
        recoveryMs / 1000.0,
        c.lost(),
        c.learnedTwice(),
        c.predictionsMissing(),
        c.predictionsDuplicated(),
        c.badSnapshotOffsets(),
        c.snapshotVersion(),
        c.samplesSeen(),
        c.pairedLearnable(),
        c.predictions(),
        c.inferRecords(),
        note.isEmpty() ? "" : "; " + note);
  }
}
