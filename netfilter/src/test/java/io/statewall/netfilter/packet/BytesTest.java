package io.statewall.netfilter.packet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BytesTest {

  private static final byte[] FRAME = {
      (byte) 0xF1, (byte) 0xE2, (byte) 0xD3, (byte) 0xC4, (byte) 0xB5, (byte) 0xA6, (byte) 0x97, (byte) 0x88,
      0x01, 0x02};

  @Test
  void readsAreBigEndianAndUnsigned() {
    assertThat(Bytes.u8(FRAME, 0)).isEqualTo(0xF1);
    assertThat(Bytes.u16(FRAME, 0)).isEqualTo(0xF1E2);
    assertThat(Bytes.u16(FRAME, 8)).isEqualTo(0x0102);
    assertThat(Bytes.u32(FRAME, 0)).isEqualTo(0xF1E2D3C4L);
    assertThat(Bytes.i32(FRAME, 0)).isEqualTo(0xF1E2D3C4);
    assertThat(Bytes.u48(FRAME, 0)).isEqualTo(0xF1E2D3C4B5A6L);
    assertThat(Bytes.u64(FRAME, 0)).isEqualTo(0xF1E2D3C4B5A69788L);
  }

  @Test
  void readsAtAnyOffsetNotOnlyAligned() {
    assertThat(Bytes.u16(FRAME, 1)).isEqualTo(0xE2D3);
    assertThat(Bytes.u32(FRAME, 3)).isEqualTo(0xC4B5A697L);
    assertThat(Bytes.u48(FRAME, 3)).isEqualTo(0xC4B5A6978801L);
    assertThat(Bytes.u64(FRAME, 2)).isEqualTo(0xD3C4B5A697880102L);
  }

  @Test
  void writesAreTheReadsInverseAndTouchOnlyTheirBytes() {
    byte[] b = new byte[13];
    Bytes.put16(b, 1, 0x1_ABCD); // bits above 16 are dropped
    Bytes.put32(b, 3, 0x1_8000_0001L);
    Bytes.put48(b, 7, 0x7777_FFFF_0102_0304L); // bits above 48 are dropped
    assertThat(b).containsExactly(0, 0xAB, 0xCD, 0x80, 0, 0, 0x01, 0xFF, 0xFF, 0x01, 0x02, 0x03, 0x04);
    Bytes.put64(b, 4, 0x8877_6655_4433_2211L);
    assertThat(Bytes.u64(b, 4)).isEqualTo(0x8877_6655_4433_2211L);
    assertThat(Bytes.u32(b, 0)).isEqualTo(0x00ABCD80L);
  }

  @Test
  void aReadPastTheEndThrowsLikeAnArray() {
    assertThatThrownBy(() -> Bytes.u16(FRAME, 9)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Bytes.u32(FRAME, 7)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Bytes.u48(FRAME, 5)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Bytes.u64(FRAME, -1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Bytes.put16(new byte[1], 0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
  }
}
