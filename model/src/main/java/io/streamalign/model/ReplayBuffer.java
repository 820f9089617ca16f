package io.streamalign.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * The learner's bounded memory of the stream: a reservoir per class and one per concept group
 * ({@link Reservoirs}). It supplies the weak-pair partners of the alignment task (CroMA eq. 3:
 * members of a batch sample's concept group), the N-way K-shot episodes of meta-classification
 * (CroMA Algorithm 1, line 6), and the class-balanced replay added to the supervised step
 * (experience replay: without it a class-incremental stream forgets its old classes).
 */
final class ReplayBuffer {

  private final Reservoirs byClass;
  private final Reservoirs byGroup;
  private final Random random;

  ReplayBuffer(int perClass, long seed, Random random) {
    this.byClass = new Reservoirs(perClass, new Random(seed + 1));
    this.byGroup = new Reservoirs(perClass, new Random(seed + 2));
    this.random = random;
  }

  /** Remembers the batch: labelled samples by class, samples with a concept group by group. */
  void add(List<Sample> batch) {
    for (Sample s : batch) {
      if (s.label() != null) byClass.add(s.label(), s);
      if (s.conceptGroup() != null) byGroup.add(s.conceptGroup(), s);
    }
  }

  List<Sample> ofClass(String c) {
    return byClass.get(c);
  }

  List<Sample> ofGroup(String g) {
    return byGroup.get(g);
  }

  /** Class -> remembered samples. */
  Map<String, List<Sample>> classes() {
    return byClass.all();
  }

  /**
   * A random member of {@code pool} having modality m and not in {@code exclude} (four tries), or
   * null.
   */
  Sample pick(List<Sample> pool, Modality m, Set<String> exclude) {
    if (pool.isEmpty()) return null;
    for (int tries = 0; tries < 4; tries++) {
      Sample c = pool.get(random.nextInt(pool.size()));
      if (c.has(m) && !exclude.contains(c.id())) return c;
    }
    return null;
  }

  /**
   * An N-way K-shot episode of modality m's labelled samples: the ways, and the shots in way order.
   */
  record Episode(List<String> ways, List<Sample> shots) {}

  /**
   * CroMA Algorithm 1, line 6: a source-modality classification task, or null with fewer than two
   * classes.
   */
  Episode episode(Modality m, List<String> known, int ways, int shots) {
    List<String> eligible = new ArrayList<>();
    for (String c : known) {
      if (byClass.get(c).stream().anyMatch(s -> s.has(m) && s.labeled().contains(m)))
        eligible.add(c);
    }
    if (eligible.size() < 2) return null;
    Collections.shuffle(eligible, random);
    List<String> w = List.copyOf(eligible.subList(0, Math.min(ways, eligible.size())));
    List<Sample> out = new ArrayList<>();
    for (String c : w) {
      List<Sample> pool =
          new ArrayList<>(
              byClass.get(c).stream().filter(s -> s.has(m) && s.labeled().contains(m)).toList());
      Collections.shuffle(pool, random);
      out.addAll(pool.subList(0, Math.min(shots, pool.size())));
    }
    return new Episode(w, out);
  }

  /**
   * The batch plus a class-balanced replay draw: as many replayed labelled samples as the batch has
   * labelled ones, round-robin over the known classes (a random member each, never one of the
   * batch). Without it the supervised step sees only the stream's current classes: in a
   * class-incremental stream SGD on those alone forgets the older classes and pulls every
   * prediction onto the newest one; the reservoirs keep every seen sample of a class equally
   * likely, so old classes stay represented. Replayed samples keep their label budget ({@link
   * Sample#labeled()}).
   */
  List<Sample> withReplay(List<Sample> batch, List<String> known) {
    int want = 0;
    Set<String> ids = new HashSet<>();
    for (Sample s : batch) {
      ids.add(s.id());
      if (s.label() != null && !s.labeled().isEmpty()) want++;
    }
    if (want == 0 || known.size() < 2) return batch;
    List<String> order = new ArrayList<>(known);
    Collections.shuffle(order, random);
    List<Sample> out = new ArrayList<>(batch);
    int added = 0;
    for (int round = 0; added < want && round < want; round++) {
      boolean any = false;
      for (String c : order) {
        if (added >= want) break;
        List<Sample> pool = byClass.get(c);
        if (pool.isEmpty()) continue;
        for (int tries = 0; tries < 4; tries++) {
          Sample s = pool.get(random.nextInt(pool.size()));
          if (!s.labeled().isEmpty() && ids.add(s.id())) {
            out.add(s);
            added++;
            any = true;
            break;
          }
        }
      }
      if (!any) break;
    }
    return out;
  }
}
