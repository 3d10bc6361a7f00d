package io.fail2bancluster.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads the PEM files of a TLS setup with the JDK alone (no Netty, so the client's start-up stays
 * small): certificates ({@code BEGIN CERTIFICATE}) and unencrypted PKCS#8 keys ({@code BEGIN PRIVATE KEY}).
 * Every failure is an {@link IllegalArgumentException} whose message names the file and, for a bad
 * block, its line, and says how to fix the common mistakes (a PKCS#1 or encrypted key).
 */
public final class PemFiles {
    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    /** Key types tried in turn: a PKCS#8 block does not say its algorithm in the PEM header. */
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");

    private PemFiles() {
    }

    /** Every certificate in the file, in order; at least one. */
    public static List<X509Certificate> certificates(Path file) {
        List<Block> blocks = blocks(file, "CERTIFICATE");
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException(file + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in it");
        }
        List<X509Certificate> certificates = new ArrayList<>(blocks.size());
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block block : blocks) {
                try {
                    certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der)));
                } catch (CertificateException e) {
                    throw block.error(file, "not a valid X.509 certificate: " + e.getMessage());
                }
            }
        } catch (CertificateException e) {
            throw new IllegalStateException("this JDK cannot read X.509 certificates", e);
        }
        return List.copyOf(certificates);
    }

    /** The one private key in the file. */
    public static PrivateKey privateKey(Path file) {
        List<Block> blocks = blocks(file, "PRIVATE KEY");
        if (blocks.size() != 1) {
            throw new IllegalArgumentException(file + ": expected exactly one unencrypted PKCS#8 key"
                    + " (-----BEGIN PRIVATE KEY-----), found " + blocks.size()
                    + "; convert with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
        }
        Block block = blocks.get(0);
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(block.der);
        for (String algorithm : KEY_ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm (or not available in this JDK): try the next
            }
        }
        throw block.error(file, "not a PKCS#8 key of a supported type (" + String.join(", ", KEY_ALGORITHMS) + ")");
    }

    /** Refuses a key that does not belong to the certificate, which would otherwise only fail in a handshake. */
    public static void requireMatching(Path certFile, X509Certificate certificate, Path keyFile, PrivateKey key) {
        String certAlgorithm = certificate.getPublicKey().getAlgorithm();
        boolean matches = certAlgorithm.equals(key.getAlgorithm());
        if (matches && key instanceof RSAPrivateCrtKey rsa && certificate.getPublicKey() instanceof RSAPublicKey pub) {
            matches = rsa.getModulus().equals(pub.getModulus());
        }
        if (!matches) {
            throw new IllegalArgumentException(keyFile + ": this key does not belong to the certificate in " + certFile);
        }
    }

    private record Block(int line, byte[] der) {
        IllegalArgumentException error(Path file, String problem) {
            return new IllegalArgumentException(file + ": line " + line + ": " + problem);
        }
    }

    /** The decoded blocks of one type; other blocks (parameters, other types) are skipped. */
    private static List<Block> blocks(Path file, String type) {
        List<String> lines = read(file);
        List<Block> blocks = new ArrayList<>();
        String begin = BEGIN + type + "-----";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            // PKCS#1 ("RSA PRIVATE KEY"), SEC1 ("EC PRIVATE KEY") and encrypted keys need converting first.
            if (type.equals("PRIVATE KEY") && line.startsWith(BEGIN) && line.contains("PRIVATE KEY") && !line.equals(begin)) {
                throw new IllegalArgumentException(file + ": line " + (i + 1) + ": " + line
                        + " is not an unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----);"
                        + " convert with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
            }
            if (!line.equals(begin)) {
                continue;
            }
            int start = i + 1; // the BEGIN line, counted from 1
            StringBuilder base64 = new StringBuilder();
            for (i++; i < lines.size() && !lines.get(i).strip().startsWith(END); i++) {
                base64.append(lines.get(i).strip());
            }
            if (i == lines.size()) {
                throw new IllegalArgumentException(file + ": line " + start + ": " + begin + " has no END line");
            }
            try {
                blocks.add(new Block(start, Base64.getMimeDecoder().decode(base64.toString())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": line " + start + ": bad base64: " + e.getMessage());
            }
        }
        return blocks;
    }

    private static List<String> read(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (AccessDeniedException e) {
            throw new IllegalArgumentException(file + ": permission denied");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read: " + e.getMessage());
        }
    }
}
