package io.fail2bancluster.metrics;

/** The pieces of Prometheus' text exposition format (version 0.0.4) that every page of ours writes. */
public final class PrometheusText {

    private PrometheusText() {
    }

    /** The {@code # HELP} and {@code # TYPE} lines that open a metric family. */
    public static void family(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** A label value as the format wants it: backslash, double quote and line feed escaped. */
    public static String escape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
