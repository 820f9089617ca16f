package io.streamalign.app;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CI guard of issue "hostile and odd input": a short {@code streamalign chaos fuzz} against the real
 * services as processes. Every bad record must end with a reason (dead letter or counted drop), every
 * good moment must be learned and predicted once, no thread may die.
 */
@Tag("integration")
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class ChaosFuzzIT {

    static final Pattern SUMMARY = Pattern.compile(
            "fuzz: records (\\d+), bad (\\d+), dead-lettered (\\d+), counted-drops (\\d+), unexplained (\\d+), good-lost (\\d+)");

    @Test
    void everyBadRecordHasAReasonAndEveryGoodMomentIsLearnedAndPredictedOnce(@TempDir Path work) {
        Path jar = ChaosQuickIT.runnableJar();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = StreamAlignCli.execute(new PrintWriter(out), new PrintWriter(err), "chaos", "fuzz", "--records", "400",
                "--jar", jar.toString(), "--work-dir", work.toString(), "--seed", "17");
        String text = out.toString();
        System.out.println(text);
        String last = text.lines().filter(l -> l.startsWith("fuzz: records")).reduce((a, b) -> b).orElse("");
        var m = SUMMARY.matcher(last);
        assertTrue(m.matches(), "summary line missing:\n" + text + "\n" + err);
        assertTrue(Integer.parseInt(m.group(1)) >= 400, last);
        assertTrue(Integer.parseInt(m.group(2)) > 50, "bad records were sent: " + last);
        assertEquals("0", m.group(5), "unexplained: " + text);
        assertEquals("0", m.group(6), "good lost: " + text);
        assertEquals(0, code, text + err);
    }
}
