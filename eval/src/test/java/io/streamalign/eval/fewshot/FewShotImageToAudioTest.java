package io.streamalign.eval.fewshot;

import io.streamalign.eval.EvalOptions;
import io.streamalign.eval.EvalResult;
import io.streamalign.features.data.DataDir;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FewShotImageToAudioTest {

    @Test
    @SuppressWarnings("unchecked")
    void tinyRunWritesReportWithValidAccuracies(@TempDir Path out) throws Exception {
        var dir = DataDir.find();
        Assumptions.assumeTrue(dir.isPresent(), DataDir.notFoundMessage());
        var tiny = new FewShotImageToAudio.Settings(64, 32, 1, new int[] {1}, 2, 3L);
        EvalResult r = new FewShotImageToAudio(tiny).run(new EvalOptions(dir.get(), false, 1, out));
        assertEquals(3, r.files().size());
        assertTrue(Files.readString(out.resolve("fewshot-image-to-audio.md")).contains("| CroMA (meta-alignment) |"));
        assertTrue(Files.size(out.resolve("fewshot-image-to-audio-accuracy.png")) > 5_000);
        for (Object row : (List<Object>) r.data().get("rows")) {
            Map<String, Object> one = (Map<String, Object>) ((Map<String, Object>) row).get("1-shot");
            double mean = (Double) one.get("mean");
            assertTrue(mean >= 0 && mean <= 100, "accuracy " + mean);
        }
    }
}
