package io.archipelago.engine.placement;

import java.util.List;

/**
 * Container moves that bring every backend beyond its high-water mark to its low-water mark or
 * below. Its id is a digest of the moves, so that every node computing the same plan from the same
 * figures names it alike, and an accept of a plan that has changed meanwhile can be refused.
 *
 * @param backends every backend with its fill before and after the moves
 * @param notes what the plan could not do, and why (no target with room, containers with replicas)
 */
public record RebalancePlan(
    String id, List<Move> moves, List<BackendFill> backends, List<String> notes) {

  public RebalancePlan {
    moves = List.copyOf(moves);
    backends = List.copyOf(backends);
    notes = List.copyOf(notes);
  }

  /** One container's move: a live migration of its primary. */
  public record Move(
      String account, String container, long bytes, String from, String to, String reason) {}

  /**
   * A backend's used bytes before and after the plan (running migrations counted as done).
   *
   * @param overHighWater whether it is beyond its high-water mark before the plan
   */
  public record BackendFill(
      String id,
      long totalBytes,
      long usedBefore,
      long usedAfter,
      long highWaterBytes,
      long lowWaterBytes,
      boolean overHighWater) {}

  public boolean isEmpty() {
    return moves.isEmpty();
  }
}
