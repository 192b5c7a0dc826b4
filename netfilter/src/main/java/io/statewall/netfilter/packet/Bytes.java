package io.statewall.netfilter.packet;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The one reader and writer of big-endian (network order) fields in a byte array: every module that
 * can depend on netfilter reads frames through this (topology, which cannot, uses Guava's
 * {@code Shorts}/{@code Ints}).
 *
 * <p>Static, allocation-free, at an offset; the 16-, 32- and 64-bit accesses are array-view
 * {@link VarHandle}s, which the JIT compiles to one bounds check and one load or store. An access
 * past the end throws {@link IndexOutOfBoundsException}, as an array does.
 */
public final class Bytes {

  private static final VarHandle SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private Bytes() {}

  /** Unsigned 8 bits at {@code off}. */
  public static int u8(byte[] b, int off) {
    return b[off] & 0xFF;
  }

  /** Unsigned 16 bits at {@code off}. */
  public static int u16(byte[] b, int off) {
    return (short) SHORT.get(b, off) & 0xFFFF;
  }

  /** 32 bits at {@code off} as a (signed) int: an IPv4 address, a TCP sequence number's bits. */
  public static int i32(byte[] b, int off) {
    return (int) INT.get(b, off);
  }

  /** Unsigned 32 bits at {@code off}. */
  public static long u32(byte[] b, int off) {
    return i32(b, off) & 0xFFFF_FFFFL;
  }

  /** Unsigned 48 bits at {@code off}: a MAC address. */
  public static long u48(byte[] b, int off) {
    return ((long) u16(b, off) << 32) | u32(b, off + 2);
  }

  /** 64 bits at {@code off}: half of an IPv6 address. */
  public static long u64(byte[] b, int off) {
    return (long) LONG.get(b, off);
  }

  /** Writes the low 16 bits of {@code v} at {@code off}. */
  public static void put16(byte[] b, int off, int v) {
    SHORT.set(b, off, (short) v);
  }

  /** Writes the low 32 bits of {@code v} at {@code off}. */
  public static void put32(byte[] b, int off, long v) {
    INT.set(b, off, (int) v);
  }

  /** Writes the low 48 bits of {@code v} at {@code off}: a MAC address. */
  public static void put48(byte[] b, int off, long v) {
    put16(b, off, (int) (v >>> 32));
    put32(b, off + 2, v);
  }

  /** Writes {@code v} at {@code off}. */
  public static void put64(byte[] b, int off, long v) {
    LONG.set(b, off, v);
  }
}
