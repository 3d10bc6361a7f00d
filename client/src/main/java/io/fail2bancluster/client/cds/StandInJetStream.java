package io.fail2bancluster.client.cds;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * NATS JetStream as far as one publish needs it, for {@link AppCdsTraining}: the INFO greeting, PONG for PING,
 * and for each request (a PUB or HPUB with a reply subject) the JetStream answer a real server would give:
 * the stream's info (created already, with the configuration the client asks for), "no message found" for
 * the last message of a subject, and an acknowledgement for a publish. Enough for the client to load every
 * class a real publish loads, with no nats-server at package install time. Not a NATS server.
 */
final class StandInJetStream extends StandInServer {
    private static final String STREAM = "FAIL2BAN_CLUSTER";
    /** The max_age of the default retention (30 days), in nanoseconds as JetStream writes durations. */
    private static final long RETENTION_NANOS = 30L * 24 * 3600 * 1_000_000_000L;

    private long sequence;

    private StandInJetStream() throws IOException {
    }

    static StandInJetStream start() throws IOException {
        StandInJetStream nats = new StandInJetStream();
        nats.start("cds-training-nats");
        return nats;
    }

    String url() {
        return "nats://127.0.0.1:" + port();
    }

    @Override
    void serve() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread connection = new Thread(() -> converse(socket), "cds-training-nats-connection");
                connection.setDaemon(true);
                connection.start();
            } catch (IOException e) {
                // closed at the end of training
            }
        }
    }

    private void converse(Socket socket) {
        try (socket) {
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            send(out, "INFO {\"server_id\":\"cds-training\",\"server_name\":\"cds-training\",\"version\":\"2.10.0\","
                    + "\"proto\":1,\"go\":\"go\",\"host\":\"127.0.0.1\",\"port\":" + server.getLocalPort()
                    + ",\"headers\":true,\"max_payload\":1048576,\"jetstream\":true}\r\n");
            String line;
            while ((line = readLine(in)) != null) {
                String[] words = line.split(" ");
                switch (words[0].toUpperCase(java.util.Locale.ROOT)) {
                    case "PING" -> send(out, "PONG\r\n");
                    case "PUB" -> answer(out, words[1], words.length == 4 ? words[2] : null,
                            read(in, Integer.parseInt(words[words.length - 1])));
                    case "HPUB" -> answer(out, words[1], words.length == 5 ? words[2] : null,
                            read(in, Integer.parseInt(words[words.length - 1])));
                    default -> {
                        // CONNECT, SUB, UNSUB, PONG: nothing to say
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the client went away
        }
    }

    private void answer(OutputStream out, String subject, String replyTo, byte[] payload) throws IOException {
        if (replyTo == null) {
            return;
        }
        String json;
        if (subject.startsWith("$JS.API.STREAM.INFO.") || subject.startsWith("$JS.API.STREAM.CREATE.")) {
            json = "{\"type\":\"io.nats.jetstream.api.v1.stream_info_response\",\"config\":{\"name\":\"" + STREAM
                    + "\",\"subjects\":[\"" + STREAM + ".>\"],\"retention\":\"limits\",\"max_consumers\":-1,"
                    + "\"max_msgs\":-1,\"max_bytes\":-1,\"max_age\":" + RETENTION_NANOS + ",\"max_msgs_per_subject\":1,"
                    + "\"max_msg_size\":-1,\"discard\":\"old\",\"storage\":\"file\",\"num_replicas\":1,"
                    + "\"duplicate_window\":120000000000},\"created\":\"2026-01-01T00:00:00Z\",\"state\":{\"messages\":0,"
                    + "\"bytes\":0,\"first_seq\":0,\"last_seq\":" + sequence + ",\"consumer_count\":0}}";
        } else if (subject.startsWith("$JS.API.STREAM.MSG.GET.") || subject.startsWith("$JS.API.DIRECT.GET.")) {
            json = "{\"type\":\"io.nats.jetstream.api.v1.stream_msg_get_response\",\"error\":{\"code\":404,"
                    + "\"err_code\":10037,\"description\":\"no message found\"}}";
        } else if (subject.startsWith("$JS.")) {
            json = "{\"error\":{\"code\":400,\"err_code\":10000,\"description\":\"not in the training stand-in\"}}";
        } else {
            json = "{\"stream\":\"" + STREAM + "\",\"seq\":" + (++sequence) + "}";
        }
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        send(out, "MSG " + replyTo + " 1 " + body.length + "\r\n" + json + "\r\n");
    }

    private static void send(OutputStream out, String text) throws IOException {
        synchronized (out) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    /** A protocol line without its CR LF, or null at the end. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return null;
    }

    /** The payload and its trailing CR LF. */
    private static byte[] read(InputStream in, int length) throws IOException {
        byte[] payload = in.readNBytes(length);
        in.readNBytes(2);
        return payload;
    }
}
