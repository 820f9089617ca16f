package io.streamalign.serving.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamalign.model.LearnerConfig;
import io.streamalign.model.Modality;
import io.streamalign.model.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class ModelHolderTest {

  private static ServedModel model(long version, TinyLearner l) {
    return new ServedModel("m", version, l, Set.of(Modality.AUDIO));
  }

  private static Sample sample() {
    return Sample.unlabeled("s", Map.of(Modality.AUDIO, new float[] {1f}));
  }

  @Test
  void oldModelIsClosedOnlyAfterInFlightPredictionsDrain() throws Exception {
    ModelHolder holder = new ModelHolder();
    TinyLearner l1 = new TinyLearner(LearnerConfig.defaults());
    TinyLearner l2 = new TinyLearner(LearnerConfig.defaults());
    holder.swap(model(1, l1));
    ModelHolder.Lease inFlight = holder.acquire().orElseThrow();
    ServedModel old = holder.swap(model(2, l2)).orElseThrow();
    assertEquals(2, holder.version());
    assertFalse(l1.closed.get(), "v1 closed while a prediction still uses it");
    assertEquals(
        "a",
        inFlight.model().predict(sample()).label(),
        "the in-flight lease still predicts on v1");
    try (ModelHolder.Lease fresh = holder.acquire().orElseThrow()) {
      assertEquals(2, fresh.model().version(), "new leases see v2 at once");
    }
    inFlight.close();
    assertTrue(old.awaitClosed(1, TimeUnit.SECONDS));
    assertTrue(l1.closed.get(), "v1 closed once drained");
    assertFalse(l2.closed.get());
    holder.close();
    assertTrue(l2.closed.get());
  }

  @Test
  void versionsNeverGoBackwards() {
    ModelHolder holder = new ModelHolder();
    holder.swap(model(5, new TinyLearner(LearnerConfig.defaults())));
    TinyLearner older = new TinyLearner(LearnerConfig.defaults());
    assertThrows(IllegalArgumentException.class, () -> holder.swap(model(4, older)));
    assertThrows(IllegalArgumentException.class, () -> holder.swap(model(5, older)));
    assertEquals(5, holder.version());
    assertFalse(older.closed.get(), "a refused model stays the caller's to release");
    holder.close();
  }

  @Test
  void concurrentPredictionsNeverUseAClosedModelAndSeeMonotonicVersions() throws Exception {
    ModelHolder holder = new ModelHolder();
    List<TinyLearner> learners = new ArrayList<>();
    TinyLearner first = new TinyLearner(LearnerConfig.defaults());
    learners.add(first);
    holder.swap(model(1, first));
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicLong predictions = new AtomicLong();
    List<Thread> readers = new ArrayList<>();
    CountDownLatch started = new CountDownLatch(4);
    for (int t = 0; t < 4; t++) {
      Thread th =
          new Thread(
              () -> {
                long last = 0;
                started.countDown();
                while (!stop.get()) {
                  try (ModelHolder.Lease lease = holder.acquire().orElseThrow()) {
                    long v = lease.model().version();
                    if (v < last)
                      errors.add(new AssertionError("version went back " + last + " -> " + v));
                    last = v;
                    lease.model().predictBatch(List.of(sample(), sample()));
                    predictions.incrementAndGet();
                  } catch (Throwable e) {
                    errors.add(e);
                  }
                }
              });
      th.start();
      readers.add(th);
    }
    started.await();
    for (long v = 2; v <= 200; v++) {
      TinyLearner l = new TinyLearner(LearnerConfig.defaults());
      learners.add(l);
      holder.swap(model(v, l));
      if (v % 20 == 0) Thread.sleep(2);
    }
    stop.set(true);
    for (Thread th : readers) th.join();
    assertTrue(errors.isEmpty(), () -> "errors: " + errors);
    assertTrue(predictions.get() > 0);
    assertEquals(200, holder.version());
    for (int i = 0; i < learners.size() - 1; i++) {
      assertTrue(learners.get(i).closed.get(), "v" + (i + 1) + " not closed after draining");
    }
    assertFalse(learners.get(learners.size() - 1).closed.get());
    holder.close();
    assertTrue(learners.get(learners.size() - 1).closed.get());
  }

  @Test
  void enrollmentsAreReplayedIntoTheNextModel() {
    ModelHolder holder = new ModelHolder();
    Enrollments enrollments = new Enrollments(3);
    TinyLearner l1 = new TinyLearner(LearnerConfig.defaults());
    enrollments.swapEnrolled(holder, model(1, l1));
    int audio = LearnerConfig.defaults().featureSize(Modality.AUDIO);
    for (int i = 0; i < 5; i++) enrollments.add("seven", Modality.AUDIO, new float[audio], holder);
    assertEquals(
        "seven/AUDIO/3", l1.enrolled.get(l1.enrolled.size() - 1), "newest 3 kept and enrolled");
    assertThrows(
        IllegalArgumentException.class,
        () -> enrollments.add("bad", Modality.AUDIO, new float[3], holder));
    // the learner refuses an example: it is forgotten, not replayed into every later model
    l1.refuse.add("refused");
    assertThrows(
        IllegalArgumentException.class,
        () -> enrollments.add("refused", Modality.AUDIO, new float[audio], holder));
    assertEquals(Set.of("seven"), enrollments.summary().keySet());
    TinyLearner l2 = new TinyLearner(LearnerConfig.defaults());
    enrollments.swapEnrolled(holder, model(2, l2));
    assertEquals(List.of("seven/AUDIO/3"), l2.enrolled);
    assertTrue(l2.classes.contains("seven"));
    holder.close();
  }
}
