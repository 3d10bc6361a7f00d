package io.fail2bancluster.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The capture of the reference fanout server ({@code protocol-transcript.txt}), parsed generically:
 * each {@code # ... started as: ...} comment opens a section (one server), and each step is
 * {@code <connection> C> '<bytes>' [then close]} or {@code <connection> S> '<bytes>'} with the bytes
 * as a Python literal; {@code S> '<EOF>'} means the server closed the connection.
 */
record Transcript(List<Section> sections) {
    private static final Pattern STEP = Pattern.compile("^([A-Z]) ([CS])> (.*)$");
    private static final Pattern CLIENT_LIMIT = Pattern.compile("--client-limit=(\\d+)");

    enum Kind { SEND, EXPECT, EXPECT_EOF }

    record Step(int lineNumber, char connection, Kind kind, byte[] bytes, boolean thenClose) {
        String describe() {
            return "line " + lineNumber + ": " + connection + (kind == Kind.SEND ? " C> " : " S> ")
                    + (kind == Kind.EXPECT_EOF ? "<EOF>" : show(bytes)) + (thenClose ? " then close" : "");
        }
    }

    /** One server run: its header, the client limit it was started with (0 = none), its steps. */
    record Section(String header, int clientLimit, List<Step> steps) {
    }

    static Transcript load(String resource) throws IOException {
        try (InputStream in = Transcript.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("no resource " + resource);
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    static Transcript parse(String text) {
        List<Section> sections = new ArrayList<>();
        String header = null;
        int clientLimit = 0;
        List<Step> steps = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int lineNumber = i + 1;
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("#")) {
                if (line.contains("started as:")) {
                    if (header != null) {
                        sections.add(new Section(header, clientLimit, List.copyOf(steps)));
                    }
                    header = line.substring(1).trim();
                    Matcher limit = CLIENT_LIMIT.matcher(line);
                    clientLimit = limit.find() ? Integer.parseInt(limit.group(1)) : 0;
                    steps.clear();
                }
                continue;
            }
            Matcher step = STEP.matcher(line);
            if (!step.matches() || header == null) {
                throw new IllegalArgumentException("line " + lineNumber + ": not a transcript step: " + line);
            }
            char connection = step.group(1).charAt(0);
            boolean send = step.group(2).equals("C");
            String rest = step.group(3);
            int end = literalEnd(rest, lineNumber);
            byte[] bytes = pythonBytes(rest.substring(1, end), lineNumber);
            String after = rest.substring(end + 1).trim();
            boolean thenClose = after.equals("then close");
            if (!after.isEmpty() && !thenClose) {
                throw new IllegalArgumentException("line " + lineNumber + ": unexpected '" + after + "'");
            }
            Kind kind = send ? Kind.SEND
                    : new String(bytes, StandardCharsets.ISO_8859_1).equals("<EOF>") ? Kind.EXPECT_EOF : Kind.EXPECT;
            steps.add(new Step(lineNumber, connection, kind, bytes, thenClose));
        }
        if (header != null) {
            sections.add(new Section(header, clientLimit, List.copyOf(steps)));
        }
        return new Transcript(List.copyOf(sections));
    }

    private static int literalEnd(String rest, int lineNumber) {
        if (rest.isEmpty() || rest.charAt(0) != '\'') {
            throw new IllegalArgumentException("line " + lineNumber + ": expected a '...' literal");
        }
        for (int i = 1; i < rest.length(); i++) {
            char c = rest.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '\'') {
                return i;
            }
        }
        throw new IllegalArgumentException("line " + lineNumber + ": unterminated literal");
    }

    /** The body of a Python bytes literal: \n \r \t \\ \' \" \0 \xHH escapes, other characters as is. */
    static byte[] pythonBytes(String body, int lineNumber) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c != '\\') {
                out.write(c);
                continue;
            }
            char e = body.charAt(++i);
            switch (e) {
                case 'n' -> out.write('\n');
                case 'r' -> out.write('\r');
                case 't' -> out.write('\t');
                case '0' -> out.write(0);
                case '\\', '\'', '"' -> out.write(e);
                case 'x' -> {
                    out.write(Integer.parseInt(body.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> throw new IllegalArgumentException(
                        "line " + lineNumber + ": unknown escape \\" + e);
            }
        }
        return out.toByteArray();
    }

    /** Bytes shown the way the transcript writes them. */
    static String show(byte[] bytes) {
        StringBuilder sb = new StringBuilder("'");
        int shown = Math.min(bytes.length, 120);
        for (int i = 0; i < shown; i++) {
            int b = bytes[i] & 0xff;
            switch (b) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                case '\'' -> sb.append("\\'");
                default -> sb.append(b < 0x20 || b >= 0x7f ? String.format("\\x%02x", b) : String.valueOf((char) b));
            }
        }
        if (bytes.length > shown) {
            sb.append("...(").append(bytes.length).append(" bytes)");
        }
        return sb.append('\'').toString();
    }
}
