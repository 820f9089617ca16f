package io.streamalign.model;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * CroMA's alignment task and loss (Liang et al., "Cross-Modal Generalization: Learning in Low
 * Resource Modalities via Meta-Alignment", eqs. 2-3): sources are a batch's samples having the
 * source modality, targets those having the target modality; a (source, target) pair is positive
 * when it is a <em>strong</em> pair (the same sample: eq. 2) or a <em>weak</em> pair (the same
 * concept group: eq. 3, X_s x X_t); every other target is a negative of that source. Weak pairs are
 * also drawn from the replay's concept-group reservoirs, so a batch whose group has no partner in
 * the batch still contributes X_s x X_t pairs. The loss is the margin form of eqs. 2-3 with the
 * authors' margin ({@link Losses#marginAlignment}) or InfoNCE ({@link Losses#infoNceAlignment}).
 */
final class AlignmentObjective {

  /**
   * One alignment task: its target modality, the sources and targets, and the positive-pair matrix
   * (ns x nt).
   */
  record Task(Modality target, List<Sample> sources, List<Sample> targets, float[] positives) {}

  private final LearnerConfig cfg;

  AlignmentObjective(LearnerConfig cfg) {
    String loss = cfg.alignmentLoss().toLowerCase();
    if (!Set.of("margin", "infonce", "none").contains(loss)) {
      throw new IllegalArgumentException(
          "unknown alignmentLoss '" + cfg.alignmentLoss() + "' (margin, infonce, none)");
    }
    this.cfg = cfg;
  }

  boolean enabled() {
    return !"none".equalsIgnoreCase(cfg.alignmentLoss());
  }

  /**
   * The task between {@code src} and {@code t} from the batch, with weak-pair partners drawn from
   * {@code replay} (at most one source and one target per concept group of the batch, within a
   * budget of the batch's size); null when there is no positive pair.
   */
  Task task(List<Sample> batch, Modality src, Modality t, ReplayBuffer replay) {
    List<Sample> s = new ArrayList<>();
    List<Sample> tg = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    Set<String> groups = new LinkedHashSet<>();
    for (Sample x : batch) {
      if (x.has(src)) s.add(x);
      if (x.has(t)) tg.add(x);
      ids.add(x.id());
      if (x.conceptGroup() != null) groups.add(x.conceptGroup());
    }
    int budget = batch.size();
    for (String g : groups) {
      if (budget <= 0 || replay == null) break;
      List<Sample> pool = replay.ofGroup(g);
      Sample a = replay.pick(pool, src, ids);
      Sample b = replay.pick(pool, t, ids);
      if (a != null) {
        s.add(a);
        budget--;
      }
      if (b != null) {
        tg.add(b);
        budget--;
      }
    }
    if (s.isEmpty() || tg.isEmpty()) return null;
    float[] pos = positives(s, tg);
    for (float p : pos) if (p > 0) return new Task(t, s, tg, pos);
    return null;
  }

  /**
   * 1 where (i, j) is a strong pair (same sample id, eq. 2) or a weak pair (same concept group, eq.
   * 3), else 0.
   */
  static float[] positives(List<Sample> sources, List<Sample> targets) {
    float[] pos = new float[sources.size() * targets.size()];
    for (int i = 0; i < sources.size(); i++) {
      for (int j = 0; j < targets.size(); j++) {
        Sample a = sources.get(i);
        Sample b = targets.get(j);
        boolean strong = a.id().equals(b.id());
        boolean weak = a.conceptGroup() != null && a.conceptGroup().equals(b.conceptGroup());
        if (strong || weak) pos[i * targets.size() + j] = 1f;
      }
    }
    return pos;
  }

  /**
   * The alignment loss of source embeddings (ns, d) and target embeddings (nt, d) over the positive
   * matrix.
   */
  NDArray loss(NDArray es, NDArray et, NDArray pos) {
    if ("infonce".equalsIgnoreCase(cfg.alignmentLoss()))
      return Losses.infoNceAlignment(es, et, pos, cfg.temperature());
    return Losses.marginAlignment(es, et, pos, cfg.margin());
  }
}
