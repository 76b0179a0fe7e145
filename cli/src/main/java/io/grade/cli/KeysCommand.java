package io.grade.cli;

import io.grade.model.policy.PolicyKeys;
import io.grade.model.policy.PolicySignatures;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code grade keys ...}: the Ed25519 key pair that signs policy snapshots. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Manage the Ed25519 key pair that signs policy snapshots (job: --signing-key-file; "
                + "serving: PolicyClient.Builder#verifyWithKeyFile).",
        subcommands = {KeysCommand.Generate.class})
public final class KeysCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** {@code grade keys generate --private FILE --public FILE}. */
    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Write a new Ed25519 key pair as PEM: the private key (PKCS#8, owner read/write only) for "
                    + "the job, the public key (X.509 SubjectPublicKeyInfo) for serving. Never overwrites a file.")
    static final class Generate implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--private", required = true, paramLabel = "FILE",
                description = "Private key file to create (keep it secret; the job reads it).")
        Path privateKey;

        @Option(names = "--public", required = true, paramLabel = "FILE",
                description = "Public key file to create (give it to every serving client).")
        Path publicKey;

        @Override
        public Integer call() {
            if (privateKey.toAbsolutePath().normalize().equals(publicKey.toAbsolutePath().normalize())) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--private and --public must be different files");
            }
            KeyPair pair = PolicySignatures.generateKeyPair();
            try {
                PolicyKeys.write(privateKey, pair.getPrivate());
            } catch (IOException e) {
                return fail(privateKey, e);
            }
            try {
                PolicyKeys.write(publicKey, pair.getPublic());
            } catch (IOException e) {
                // a private key without its public half is useless: remove it again
                try {
                    Files.deleteIfExists(privateKey);
                } catch (IOException ignored) {
                    // reported below with the cause
                }
                return fail(publicKey, e);
            }
            spec.commandLine().getOut().println("wrote private key " + privateKey + " (job: --signing-key-file "
                    + privateKey + ") and public key " + publicKey + " (serving: verifyWithKeyFile)");
            spec.commandLine().getOut().flush();
            return 0;
        }

        private int fail(Path file, IOException e) {
            String why = e instanceof FileAlreadyExistsException ? "it already exists (not overwritten)"
                    : e.toString();
            spec.commandLine().getErr().println("grade keys generate: cannot write " + file + ": " + why);
            spec.commandLine().getErr().flush();
            return 1;
        }
    }
}
