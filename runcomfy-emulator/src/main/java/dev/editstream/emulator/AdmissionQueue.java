package dev.editstream.emulator;

import java.util.Arrays;
import java.util.BitSet;

/**
 * A FIFO of admission numbers with O(log n) positions: each admitted job gets the next number
 * ({@link #admit()}), the head leaves with {@link #pollFirst()}, any member can leave with {@link
 * #remove(long)} (a cancel), and {@link #position(long)} is its 1-based place among those still
 * waiting. A Fenwick tree over a sliding window of numbers counts the members before a number, so a
 * status call costs O(log n) even with 20,000 queued jobs; the window is rebased or doubled when
 * full (amortised O(1) per admit). Pure, not thread-safe (its owner synchronizes).
 */
final class AdmissionQueue {
  private long base;
  private long next;
  private int size;
  private int[] tree = new int[1025];
  private BitSet present = new BitSet();

  /** Admits a member at the back. @return its admission number (increasing from 0) */
  long admit() {
    if (next - base >= capacity()) {
      reshape();
    }
    long seq = next++;
    present.set(index(seq));
    add(index(seq), 1);
    size++;
    return seq;
  }

  /** Removes a waiting member. @return whether it was waiting */
  boolean remove(long seq) {
    if (!contains(seq)) {
      return false;
    }
    present.clear(index(seq));
    add(index(seq), -1);
    size--;
    return true;
  }

  /** Removes and returns the head's number, or {@code -1} when empty. */
  long pollFirst() {
    if (size == 0) {
      return -1;
    }
    long seq = base + present.nextSetBit(0);
    remove(seq);
    return seq;
  }

  /** Whether {@code seq} is waiting. */
  boolean contains(long seq) {
    return seq >= base && seq < next && present.get(index(seq));
  }

  /** 1-based position of a waiting member, or {@code 0} when it is not waiting. */
  int position(long seq) {
    if (!contains(seq)) {
      return 0;
    }
    int sum = 0;
    for (int i = index(seq) + 1; i > 0; i -= i & -i) {
      sum += tree[i];
    }
    return sum;
  }

  /** Members waiting. */
  int size() {
    return size;
  }

  private int capacity() {
    return tree.length - 1;
  }

  private int index(long seq) {
    return (int) (seq - base);
  }

  private void add(int index, int delta) {
    for (int i = index + 1; i < tree.length; i += i & -i) {
      tree[i] += delta;
    }
  }

  /**
   * Slides the window to the head and, when still more than half full, doubles it; rebuilds the
   * tree in O(capacity).
   */
  private void reshape() {
    long head = size == 0 ? next : base + present.nextSetBit(0);
    BitSet moved = present.get(index(head), index(next));
    base = head;
    present = moved;
    int cap = capacity();
    if ((next - base) * 2 > cap) {
      cap *= 2;
    }
    tree = new int[cap + 1];
    for (int i = present.nextSetBit(0); i >= 0; i = present.nextSetBit(i + 1)) {
      tree[i + 1] = 1;
    }
    for (int i = 1; i <= cap; i++) {
      int parent = i + (i & -i);
      if (parent <= cap) {
        tree[parent] += tree[i];
      }
    }
    Arrays.fill(tree, 0, 1, 0);
  }
}
