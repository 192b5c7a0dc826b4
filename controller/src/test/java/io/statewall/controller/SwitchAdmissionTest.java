package io.statewall.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.projectfloodlight.openflow.types.DatapathId;

/** Which datapath ids a switch may claim: the allow-list, and with TLS what its certificate names. */
class SwitchAdmissionTest {
  private static X509Certificate certificate(String name) throws Exception {
    try (InputStream in = SwitchAdmissionTest.class.getResourceAsStream("tls/" + name)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
  }

  private static Optional<ChannelStats.Refusal> check(SwitchAdmission a, long dpid, String cert) throws Exception {
    return a.check(DatapathId.of(dpid), Optional.of(certificate(cert)), true);
  }

  @Test
  void aCertificateBindsTheIdsItsAlternativeNamesSpell() throws Exception {
    assertThat(SwitchAdmission.OPEN.boundIds(certificate("bound.pem")))
        .containsExactlyInAnyOrder(DatapathId.of(1), DatapathId.of(0xa));
    assertThat(check(SwitchAdmission.OPEN, 1, "bound.pem")).isEmpty();
    assertThat(check(SwitchAdmission.OPEN, 2, "bound.pem")).contains(ChannelStats.Refusal.CERTIFICATE);
  }

  @Test
  void aCommonNameSpellingAnIdBindsIt() throws Exception {
    assertThat(check(SwitchAdmission.OPEN, 0xab, "cn-only.pem")).isEmpty();
    assertThat(check(SwitchAdmission.OPEN, 0xac, "cn-only.pem")).contains(ChannelStats.Refusal.CERTIFICATE);
  }

  @Test
  void aCertificateNamingNoIdClaimsNothingUnlessMapped() throws Exception {
    assertThat(check(SwitchAdmission.OPEN, 1, "unbound.pem")).contains(ChannelStats.Refusal.CERTIFICATE);

    SwitchAdmission mapped = new SwitchAdmission(Optional.empty(),
        Map.of("statewall-test-switch", Set.of(DatapathId.of(5), DatapathId.of(6))));
    assertThat(check(mapped, 5, "unbound.pem")).isEmpty();
    assertThat(check(mapped, 6, "unbound.pem")).isEmpty();
    assertThat(check(mapped, 7, "unbound.pem")).contains(ChannelStats.Refusal.CERTIFICATE);
  }

  @Test
  void withTlsAConnectionWithoutACertificateIsRefused() {
    assertThat(SwitchAdmission.OPEN.check(DatapathId.of(1), Optional.empty(), true))
        .contains(ChannelStats.Refusal.CERTIFICATE);
    assertThat(SwitchAdmission.OPEN.check(DatapathId.of(1), Optional.empty(), false)).isEmpty();
  }

  @Test
  void theAllowListHoldsWithAndWithoutTls() throws Exception {
    SwitchAdmission only1 = new SwitchAdmission(Optional.of(Set.of(DatapathId.of(1))), Map.of());
    assertThat(only1.check(DatapathId.of(2), Optional.empty(), false)).contains(ChannelStats.Refusal.NOT_ALLOWED);
    assertThat(check(only1, 0xa, "bound.pem")).as("bound but not allowed").contains(ChannelStats.Refusal.NOT_ALLOWED);
    assertThat(check(only1, 1, "bound.pem")).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "0000000000000001, 1",
      "00:00:00:00:00:00:00:0a, 10",
      "0x1f, 31",
      "FFFFFFFFFFFFFFFF, -1",
  })
  void datapathIdsAreWrittenAsOvsAndOpenflowjPrintThem(String text, long expected) {
    assertThat(SwitchAdmission.parseDatapathId(text)).isEqualTo(DatapathId.of(expected));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"1", "0x", "00:01", "000000000000000g", "0x11112222333344445"})
  void anythingElseIsAClearError(String text) {
    assertThatThrownBy(() -> SwitchAdmission.parseDatapathId(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'");
  }
}
