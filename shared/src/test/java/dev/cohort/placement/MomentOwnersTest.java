package dev.cohort.placement;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MomentOwnersTest {
  /** Sizes like a decoder stage's: a big embedding, square projections, small norms. */
  private static Map<String, Long> stage() {
    Map<String, Long> sizes = new LinkedHashMap<>();
    sizes.put("model.embed_tokens.weight", 8192L * 256);
    for (int layer = 0; layer < 4; layer++) {
      for (String p : List.of("q_proj", "k_proj", "v_proj", "o_proj")) {
        sizes.put("model.layers." + layer + ".self_attn." + p + ".weight", p.startsWith("k") || p.startsWith("v")
            ? 128L * 256 : 256L * 256);
      }
      sizes.put("model.layers." + layer + ".input_layernorm.weight", 256L);
      sizes.put("model.layers." + layer + ".post_attention_layernorm.weight", 256L);
    }
    return sizes;
  }

  @Test
  void everyParameterHasExactlyOneOwnerInTheGroup() {
    MomentOwners owners = MomentOwners.of(stage(), 3);
    List<String> all = new ArrayList<>();
    for (int rank = 0; rank < 3; rank++) all.addAll(owners.ownedBy(rank));
    Collections.sort(all);
    List<String> expected = new ArrayList<>(stage().keySet());
    Collections.sort(expected);
    assertEquals(expected, all);
    for (int rank = 0; rank < 3; rank++) {
      for (String name : owners.ownedBy(rank)) assertEquals(rank, owners.ownerOf(name));
    }
  }

  /** Greedy largest-first: no member holds more than the lightest one plus the largest single parameter. */
  @Test
  void ownersAreBalancedByBytes() {
    Map<String, Long> sizes = stage();
    long largest = sizes.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    for (int members = 2; members <= 4; members++) {
      MomentOwners owners = MomentOwners.of(sizes, members);
      long[] held = IntStream.range(0, members)
          .mapToLong(r -> owners.ownedBy(r).stream().mapToLong(sizes::get).sum()).toArray();
      long most = IntStream.range(0, members).mapToLong(r -> held[r]).max().orElseThrow();
      long least = IntStream.range(0, members).mapToLong(r -> held[r]).min().orElseThrow();
      assertTrue(most - least <= largest, members + " members hold " + Arrays.toString(held));
      assertTrue(least > 0, "every member owns something: " + Arrays.toString(held));
    }
  }

  /** Workers may list their parameters in any order: the owners depend on names and sizes only. */
  @Test
  void ownersDoNotDependOnTheOrderTheParametersAreListedIn() {
    Map<String, Long> sizes = stage();
    List<String> names = new ArrayList<>(sizes.keySet());
    Collections.shuffle(names, new Random(7));
    Map<String, Long> shuffled = new LinkedHashMap<>();
    names.forEach(n -> shuffled.put(n, sizes.get(n)));
    MomentOwners a = MomentOwners.of(sizes, 2);
    MomentOwners b = MomentOwners.of(shuffled, 2);
    for (String name : names) assertEquals(a.ownerOf(name), b.ownerOf(name), name);
  }

  @Test
  void aGroupOfOneOwnsEverything() {
    MomentOwners owners = MomentOwners.of(stage(), 1);
    assertEquals(stage().size(), owners.ownedBy(0).size());
  }

  @Test
  void aParameterTheGroupDoesNotShareIsAnError() {
    assertThrows(PlacementError.class, () -> MomentOwners.of(stage(), 2).ownerOf("lm_head.weight"));
  }
}
