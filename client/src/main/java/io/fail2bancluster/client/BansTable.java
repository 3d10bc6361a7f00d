package io.fail2bancluster.client;

import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * {@code bans}'s output: a table for people (local time, aligned columns, "permanent"), or a JSON array for
 * scripts (epoch seconds, {@code until} null when permanent).
 */
final class BansTable {
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final String[] HEADER = {"ADDRESS", "JAIL", "SOURCE", "SINCE", "UNTIL"};

    private BansTable() {
    }

    static void printTable(List<BanRow> rows, ZoneId zone, PrintStream out) {
        if (rows.isEmpty()) {
            out.println("no bans in force");
            return;
        }
        String[][] cells = new String[rows.size() + 1][];
        cells[0] = HEADER;
        for (int i = 0; i < rows.size(); i++) {
            BanRow row = rows.get(i);
            cells[i + 1] = new String[] {row.address().canonical(), row.jail(), row.source().isEmpty() ? "-" : row.source(),
                LOCAL.format(row.since().atZone(zone)), row.until().map(t -> LOCAL.format(t.atZone(zone))).orElse("permanent")};
        }
        int[] widths = new int[HEADER.length];
        for (String[] line : cells) {
            for (int c = 0; c < line.length; c++) {
                widths[c] = Math.max(widths[c], line[c].length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (String[] line : cells) {
            for (int c = 0; c < line.length; c++) {
                text.append(line[c]);
                if (c + 1 < line.length) {
                    text.append(" ".repeat(widths[c] - line[c].length() + 2));
                }
            }
            text.append('\n');
        }
        out.print(text);
        out.println(rows.size() + " ban(s) in force");
    }

    static void printJson(List<BanRow> rows, PrintStream out) {
        StringBuilder json = new StringBuilder(rows.size() * 120 + 2).append('[');
        for (int i = 0; i < rows.size(); i++) {
            BanRow row = rows.get(i);
            json.append(i == 0 ? "\n" : ",\n").append("  {\"ip\": ");
            string(json, row.address().canonical());
            json.append(", \"jail\": ");
            string(json, row.jail());
            json.append(", \"source\": ");
            string(json, row.source());
            json.append(", \"since\": ").append(row.since().getEpochSecond()).append(", \"until\": ")
                    .append(row.until().map(Instant::getEpochSecond).map(String::valueOf).orElse("null"))
                    .append(", \"channel\": ");
            string(json, row.channel());
            json.append('}');
        }
        out.println(json.append(rows.isEmpty() ? "]" : "\n]"));
    }

    /** A JSON string: quotes, backslashes and control characters escaped. */
    static void string(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                json.append(String.format("\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        json.append('"');
    }
}
