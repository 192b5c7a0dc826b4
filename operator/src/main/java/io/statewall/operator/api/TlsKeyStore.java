package io.statewall.operator.api;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Builds the in-memory key store HTTPS needs from the PEM files an operator has (as openssl writes them). */
final class TlsKeyStore {
  private static final Pattern PKCS8 =
      Pattern.compile("-----BEGIN PRIVATE KEY-----(.*?)-----END PRIVATE KEY-----", Pattern.DOTALL);

  private TlsKeyStore() {}

  static KeyStore load(Path cert, Path key, char[] password) throws IOException, GeneralSecurityException {
    Collection<? extends Certificate> chain;
    try (InputStream in = Files.newInputStream(cert)) {
      chain = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (GeneralSecurityException e) {
      throw new GeneralSecurityException(cert + " is not a PEM certificate: " + e.getMessage(), e);
    }
    if (chain.isEmpty()) {
      throw new GeneralSecurityException(cert + " holds no certificate");
    }
    Matcher m = PKCS8.matcher(Files.readString(key, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new GeneralSecurityException(key + " is not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(m.group(1));
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException(key + ": bad base64 in the key", e);
    }
    PrivateKey pk = null;
    for (String alg : List.of("RSA", "EC", "Ed25519")) {
      try {
        pk = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
        break;
      } catch (InvalidKeySpecException e) {
        // try the next algorithm
      }
    }
    if (pk == null) {
      throw new GeneralSecurityException(key + ": not an RSA, EC or Ed25519 key");
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("api", pk, password, chain.toArray(new Certificate[0]));
    return ks;
  }
}
