package io.fail2bancluster.client;

import io.fail2bancluster.config.AddressRange;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A blocklist as {@code import} reads it: one address or CIDR block per line, {@code #} starting a comment (a
 * whole line or the end of one), blank lines ignored. Read and checked whole before anything is sent: the first
 * bad line is an error naming {@code FILE:LINE}. An address listed twice (in any spelling) is kept once.
 *
 * @param name    the file as the command line named it ({@code stdin} for {@code -})
 * @param entries the addresses and blocks, canonical, in file order
 * @param repeats lines that named an entry already listed
 */
record BlockList(String name, List<AddressRange> entries, int repeats) {

    /** A line that is not an address or block, or a file that cannot be read: nothing is sent. */
    static final class BadLine extends Exception {
        private static final long serialVersionUID = 1L;

        BadLine(String message) {
            super(message, null, false, false);
        }
    }

    /** Reads {@code file}, or standard input for {@code -}. */
    static BlockList read(String file, InputStream stdin) throws BadLine {
        if (file.equals("-")) {
            return parse("stdin", stdin);
        }
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            return parse(file, in);
        } catch (NoSuchFileException e) {
            throw new BadLine(file + ": no such file");
        } catch (IOException e) {
            throw new BadLine(file + ": cannot read: " + e.getMessage());
        }
    }

    static BlockList parse(String name, InputStream in) throws BadLine {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)), 1 << 16);
        Set<AddressRange> entries = new LinkedHashSet<>();
        int repeats = 0;
        int number = 0;
        try {
            String line;
            while ((line = reader.readLine()) != null) {
                number++;
                int hash = line.indexOf('#');
                String text = (hash < 0 ? line : line.substring(0, hash)).strip();
                if (text.isEmpty()) {
                    continue;
                }
                try {
                    if (!entries.add(ManualBan.address(text))) {
                        repeats++;
                    }
                } catch (IllegalArgumentException e) {
                    throw new BadLine(name + ":" + number + ": " + e.getMessage());
                }
            }
        } catch (CharacterCodingException e) {
            throw new BadLine(name + ":" + (number + 1) + ": not UTF-8 text");
        } catch (IOException e) {
            throw new BadLine(name + ": cannot read after line " + number + ": " + e.getMessage());
        }
        return new BlockList(name, List.copyOf(new ArrayList<>(entries)), repeats);
    }
}
