package io.fail2bancluster.agent.daemon;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One answer on the control socket: {@code ok} with ordered {@code key: value} fields, or an error.
 * See {@link ControlProtocol} for the bytes.
 */
public record ControlReply(Optional<String> error, Map<String, String> fields) {

    public ControlReply {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public static ControlReply ok(Map<String, String> fields) {
        return new ControlReply(Optional.empty(), fields);
    }

    public static ControlReply error(String text) {
        return new ControlReply(Optional.of(oneLine(text)), Map.of());
    }

    public boolean isOk() {
        return error.isEmpty();
    }

    public Optional<String> field(String key) {
        return Optional.ofNullable(fields.get(key));
    }

    /** The reply as it travels, ending with the empty line. */
    String encode() {
        StringBuilder out = new StringBuilder();
        out.append(error.map(e -> ControlProtocol.ERROR + " " + e).orElse(ControlProtocol.OK)).append('\n');
        fields.forEach((k, v) -> out.append(oneLine(k)).append(": ").append(oneLine(v)).append('\n'));
        return out.append('\n').toString();
    }

    /** Parses what {@link #encode()} wrote, without the final empty line; unknown shapes are errors. */
    static ControlReply decode(String text) {
        String[] lines = text.split("\n", -1);
        String status = lines[0];
        if (status.startsWith(ControlProtocol.ERROR + " ")) {
            return error(status.substring(ControlProtocol.ERROR.length() + 1));
        }
        if (!status.equals(ControlProtocol.OK)) {
            return error("unexpected reply: " + status);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(": ");
            if (colon > 0) {
                fields.put(lines[i].substring(0, colon), lines[i].substring(colon + 2));
            }
        }
        return ok(fields);
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ');
    }
}
