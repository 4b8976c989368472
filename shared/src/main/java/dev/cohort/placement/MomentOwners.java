package dev.cohort.placement;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Under parallel.zero >= 1, which member of a data-parallel group holds each parameter's AdamW moments and updates
 * it: the largest parameters first, each to the member holding the fewest bytes so far (ties to the lower rank),
 * names breaking ties between equal sizes. A pure function of the names and sizes, which every member of the group
 * holds alike: every worker computes the same owners without a message.
 */
public final class MomentOwners {
  private final Map<String, Integer> owners;
  private final int members;

  private MomentOwners(Map<String, Integer> owners, int members) {
    this.owners = owners;
    this.members = members;
  }

  /**
   * @param sizes element count of every parameter the group shares, by global name
   * @param members the group's size (1: one member owns all)
   */
  public static MomentOwners of(Map<String, Long> sizes, int members) {
    PlacementError.require(members > 0, "a data-parallel group needs a member, got " + members);
    List<Map.Entry<String, Long>> largestFirst = new ArrayList<>(sizes.entrySet());
    largestFirst.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
        .thenComparing(Map.Entry.comparingByKey()));
    long[] held = new long[members];
    Map<String, Integer> owners = new LinkedHashMap<>();
    for (Map.Entry<String, Long> parameter : largestFirst) {
      int least = 0;
      for (int m = 1; m < members; m++) if (held[m] < held[least]) least = m;
      held[least] += parameter.getValue();
      owners.put(parameter.getKey(), least);
    }
    return new MomentOwners(owners, members);
  }

  /** The rank in the group of {@code name}'s owner. */
  public int ownerOf(String name) {
    Integer owner = owners.get(name);
    PlacementError.require(owner != null, "parameter '" + name + "' is not shared by this data-parallel group");
    return owner;
  }

  /** The parameters {@code rank} owns. */
  public List<String> ownedBy(int rank) {
    return owners.entrySet().stream().filter(e -> e.getValue() == rank).map(Map.Entry::getKey).toList();
  }

  public int members() {
    return members;
  }
}
