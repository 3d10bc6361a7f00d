package io.fail2bancluster.config;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The known key a misspelt one most likely meant. Distances ignore case and treat '-' as '_', and a
 * swap of two neighbouring letters counts as one edit, because those are the usual typos
 * ({@code Ping-Timeout}, {@code pingtimeout}, {@code hsot}).
 */
final class KeySuggestion {
    private KeySuggestion() {
    }

    static Optional<String> nearest(String unknown, Collection<String> known) {
        String typed = normalize(unknown);
        // Farther than this, a suggestion is more confusing than helpful.
        int limit = Math.max(2, typed.length() / 3);
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : known) {
            int distance = distance(typed, normalize(candidate));
            if (distance <= limit && distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return Optional.ofNullable(best);
    }

    /** One edit (or a case or '-' difference) away from {@code intended}. */
    static boolean isTypo(String typed, String intended) {
        return distance(normalize(typed), normalize(intended)) <= 1;
    }

    private static String normalize(String key) {
        return key.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    /** Edit distance with adjacent transpositions (optimal string alignment). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
