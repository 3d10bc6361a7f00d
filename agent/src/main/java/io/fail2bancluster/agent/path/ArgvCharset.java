package io.fail2bancluster.agent.path;

import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The charsets the JVM turns argv into bytes with when it starts a process (the default charset on Java
 * 17, {@code sun.jnu.encoding} on later ones; both follow the locale). Under a C/POSIX locale, the usual
 * one for a service, they are ASCII and every other character silently becomes {@code ?}: an argument
 * other than the one rendered would run. So an argv they cannot carry is refused instead.
 */
final class ArgvCharset {
    static final List<Charset> PLATFORM = platform();

    private ArgvCharset() {
    }

    private static List<Charset> platform() {
        Set<Charset> charsets = new LinkedHashSet<>();
        charsets.add(Charset.defaultCharset());
        try {
            charsets.add(Charset.forName(System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name())));
        } catch (IllegalArgumentException unknown) {
            // Then only the default charset counts.
        }
        return List.copyOf(charsets);
    }

    /** The first argument some charset cannot carry unchanged, described for a log line, or null. */
    static String unencodable(List<String> argv, List<Charset> charsets) {
        if (allAscii(argv) && carryAscii(charsets)) {
            // the usual argv: no encoder needed (creating one per action was a visible share of the loop's time)
            return null;
        }
        for (Charset charset : charsets) {
            CharsetEncoder encoder = charset.newEncoder();
            for (int i = 0; i < argv.size(); i++) {
                if (!encoder.canEncode(argv.get(i))) {
                    return "argument " + i + " has characters " + charset.name() + " cannot carry (run the agent "
                            + "in a UTF-8 locale, e.g. LANG=C.UTF-8, to pass them)";
                }
            }
        }
        return null;
    }

    private static boolean allAscii(List<String> argv) {
        for (String arg : argv) {
            for (int i = 0; i < arg.length(); i++) {
                if (arg.charAt(i) >= 0x80) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Whether every one of {@code charsets} can encode all of ASCII (the locale charsets of a Linux host can). */
    private static boolean carryAscii(List<Charset> charsets) {
        for (Charset charset : charsets) {
            if (!charset.contains(StandardCharsets.US_ASCII)) {
                return false;
            }
        }
        return true;
    }
}
