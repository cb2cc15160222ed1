package io.jvs.datapath.control;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The configuration file (default /var/lib/jvs/conf.json): the whole {@link SwitchConfig} as JSON. Every change
 * rewrites it atomically: write a temporary file beside it, fsync, rename over the old one, so a crash leaves either
 * the old or the new configuration, never half of one.
 */
public final class ConfigDb {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path file;

    public ConfigDb(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** The stored configuration, or an empty one when the file does not exist yet. */
    public SwitchConfig load() throws IOException {
        if (!Files.exists(file)) {
            return SwitchConfig.EMPTY;
        }
        try {
            return JSON.readValue(file.toFile(), SwitchConfig.class);
        } catch (IOException e) {
            throw new IOException("cannot read the db " + file + ": " + e.getMessage(), e);
        }
    }

    public void save(SwitchConfig config) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        byte[] bytes = JSON.writeValueAsBytes(config);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public static ObjectMapper json() {
        return JSON;
    }
}
