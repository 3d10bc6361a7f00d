package io.fail2bancluster.agent.nft;

import io.fail2bancluster.util.Backoff;
import io.fail2bancluster.util.BlockingThreads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * A long-lived {@code nft -i} for small batches of elements, so a lone ban costs a line on a pipe (about
 * 0.2 ms) instead of starting an {@code nft -f -} process (3 to 5 ms, with a long tail on a loaded host).
 * A batch's script becomes one line (its statements joined by {@code ;}), which nft applies as one transaction,
 * as {@code nft -f} does. nft says nothing of a line it applied, so each batch line is followed by a
 * {@code list set} of a set that is never there ({@link #ACK_SET}), which costs nft a name lookup: its
 * {@code Error: No such file or directory} and the echo of that line close the answer. One {@code Error}
 * before that echo is the marker's own: the batch was applied; more, and the batch was refused (nft names why
 * in the first), and nothing of it applied. Echo mode ({@code nft -e}), whose per-command echo would be the
 * natural acknowledgement, makes nft fetch every element of the table for each command: 0.36 s a ban beside a
 * set of 100,000, against 0.2 ms for the marker; {@code list chain} and {@code list tables} cost the same fetch.
 *
 * <p>On any doubt the batch goes through the {@code fallback} ({@code nft -f -}, whose exit status is
 * authoritative) and the session is ended, to start again after a {@link Backoff} delay: no answer within
 * {@code timeout}, its exit, or a line it should not print. Adding an element again is harmless (its timeout
 * is renewed), so a batch the session may have applied before it went quiet is safely applied again. Scripts
 * other than element statements (the table's assertion) and larger ones (a burst) always go to the fallback.
 *
 * <p>Used by the writer's one thread only; its output is read by a thread of its own, never an event loop.
 */
public final class NftSession implements NftCommand {
    private static final Logger LOG = LogManager.getLogger(NftSession.class);
    /**
     * Longest script sent as a line, about 60 elements: under the 4,096 characters an nft built with linenoise
     * reads as a line (Debian's uses libedit, which took 5,900 here); a line cut short would be refused whole.
     */
    static final int MAX_LINE = 4000;
    /** A set name the agent never creates (its sets are named {@code ch_...}). */
    static final String ACK_SET = "fail2ban_cluster_ack";
    private static final String EXITED = "\0exited";
    /** What the reader may hold unread: far above an answer's few lines; past it the session is in doubt. */
    private static final int MAX_UNREAD = 1024;

    private final List<String> argv;
    private final NftCommand fallback;
    private final Duration timeout;
    private final Backoff backoff;
    private Process process;
    private OutputStream stdin;
    private BlockingQueue<String> output;
    private int failures;
    private long nextStartNanos = System.nanoTime();
    private long acknowledged;
    private long fellBack;

    /** @param argv e.g. {@code nft -i} */
    public NftSession(List<String> argv, NftCommand fallback, Duration timeout, Backoff backoff) {
        this.argv = List.copyOf(argv);
        this.fallback = fallback;
        this.timeout = timeout;
        this.backoff = backoff;
    }

    @Override
    public String run(String script) {
        if (script.length() > MAX_LINE || !elementsOnly(script) || !ready()) {
            return fallback.run(script);
        }
        String[] first = script.split(" ", 5);
        Answer answer = send(String.join("; ", script.strip().split("\n")),
                "list set " + first[2] + " " + first[3] + " " + ACK_SET);
        if (answer.doubt() == null) {
            failures = 0;
            acknowledged++;
            return answer.refused();
        }
        end();
        Duration delay = backoff.delay(Math.min(failures++, 30));
        nextStartNanos = System.nanoTime() + delay.toNanos();
        LOG.warn("{}: {}; this batch goes through nft -f, the session starts again in {} ms", argv, answer.doubt(),
                delay.toMillis());
        fellBack++;
        return fallback.run(script);
    }

    /** @param refused null when nft applied the batch, else why not; @param doubt null when the answer is clear */
    private record Answer(String refused, String doubt) {
    }

    @Override
    public String list(String table) {
        return fallback.list(table);
    }

    @Override
    public void close() {
        end();
    }

    /** Batches the session answered (applied or refused); batches it passed to the fallback after a doubt. */
    long acknowledged() {
        return acknowledged;
    }

    long fellBack() {
        return fellBack;
    }

    private static boolean elementsOnly(String script) {
        for (String line : script.strip().split("\n")) {
            if (!line.startsWith("add element ") && !line.startsWith("delete element ")) {
                return false;
            }
        }
        return script.startsWith("add element ");
    }

    /** Whether a session is up, starting one when none is and the backoff allows. */
    private boolean ready() {
        if (process != null && process.isAlive()) {
            return true;
        }
        end();
        if (System.nanoTime() - nextStartNanos < 0) {
            return false;
        }
        try {
            process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        } catch (IOException e) {
            nextStartNanos = System.nanoTime() + backoff.delay(Math.min(failures++, 30)).toNanos();
            LOG.debug("{} cannot start: {}", argv, e.toString());
            return false;
        }
        LOG.debug("{} started for batches of up to {} characters", argv, MAX_LINE);
        stdin = process.getOutputStream();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>(MAX_UNREAD);
        output = lines;
        Process started = process;
        BlockingThreads.named("fail2ban-nft-session").newThread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(started.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (!lines.offer(line)) {
                        break;
                    }
                }
            } catch (IOException ended) {
                // the session was ended: what it still had to say is of no use
            }
            lines.offer(EXITED);
        }).start();
        return true;
    }

    /** Sends {@code line} and then {@code marker}, and reads the answer up to the marker's echo. */
    private Answer send(String line, String marker) {
        output.clear();
        try {
            stdin.write((line + "\n" + marker + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
        } catch (IOException e) {
            return new Answer(null, "cannot write to it: " + e.getMessage());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        int errors = 0;
        String refused = null;
        try {
            while (true) {
                String answer = output.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (answer == null || answer == EXITED) {
                    return new Answer(null, answer == null ? "no answer within " + timeout.toMillis() + " ms" : "it exited");
                }
                if (answer.equals(marker)) {
                    // the marker's caret line follows: read, so the next batch's answer starts clean
                    String carets = output.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    if (carets == null || carets == EXITED || errors == 0 || !carets.strip().matches("\\^+")) {
                        return new Answer(null, "unexpected answer to " + marker + ": " + carets);
                    }
                    return new Answer(errors == 1 ? null : refused, null);
                }
                if (answer.startsWith("Error")) {
                    errors++;
                    refused = refused == null ? answer : refused;
                } else if (errors == 0) {
                    return new Answer(null, "unexpected output: " + answer);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(null, "interrupted");
        }
    }

    private void end() {
        if (process != null) {
            process.destroy();
            try {
                stdin.close();
            } catch (IOException ignored) {
                // it is gone either way
            }
            process = null;
        }
    }
}
