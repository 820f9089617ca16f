package io.streamalign.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Bounded per-class replay memory: one reservoir (Vitter's algorithm R) per key, so every sample of
 * a class seen so far has the same chance to be kept, whatever the stream length.
 */
final class Reservoirs {

  private final int capacity;
  private final Random random;
  private final Map<String, List<Sample>> byKey = new LinkedHashMap<>();
  private final Map<String, Long> seen = new LinkedHashMap<>();

  Reservoirs(int capacity, Random random) {
    this.capacity = Math.max(1, capacity);
    this.random = random;
  }

  void add(String key, Sample s) {
    List<Sample> list = byKey.computeIfAbsent(key, k -> new ArrayList<>());
    long n = seen.merge(key, 1L, Long::sum);
    if (list.size() < capacity) {
      list.add(s);
    } else {
      long j = (long) (random.nextDouble() * n);
      if (j < capacity) list.set((int) j, s);
    }
  }

  List<Sample> get(String key) {
    return byKey.getOrDefault(key, List.of());
  }

  Map<String, List<Sample>> all() {
    return byKey;
  }

  int size() {
    return byKey.values().stream().mapToInt(List::size).sum();
  }
}
