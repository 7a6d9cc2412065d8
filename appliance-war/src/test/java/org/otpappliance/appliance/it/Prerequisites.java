package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** System pieces a test needs (root, Debian packages): under CI, where .ci/run installs them, missing is a failure. */
final class Prerequisites {
    private Prerequisites() {
    }

    /** Fails when CI is set and something is missing, else skips the test with the reason. */
    static void require(String test, List<String> missing, String install) {
        if (missing.isEmpty()) {
            return;
        }
        String reason = test + " needs " + String.join(", ", missing);
        if (System.getenv("CI") != null) {
            fail(reason + ": .ci/run must provide them for this test");
        }
        Assumptions.abort(reason + " (as root: " + install + "; or run .ci/run)");
    }

    /** A stock PAM module and pamtester, for a test that writes {@code /etc/pam.d} (root). */
    record PamModule(Path module, Path pamtester) {
    }

    /** Where Debian and others keep PAM modules. */
    static final List<String> PAM_MODULE_DIRS = List.of("/lib/x86_64-linux-gnu/security", "/lib/security",
            "/usr/lib/x86_64-linux-gnu/security", "/usr/lib/security", "/usr/lib64/security");

    /** Requires root, the Debian package's module {@code name} and pamtester (see {@link #require}). */
    static PamModule pamModule(String test, String name, String debianPackage) {
        List<String> missing = new ArrayList<>();
        Path pamD = Path.of("/etc/pam.d");
        if (!Files.isWritable(pamD)) {
            missing.add("root (to write " + pamD + ")");
        }
        Optional<Path> module = PAM_MODULE_DIRS.stream().map(d -> Path.of(d, name)).filter(Files::isRegularFile).findFirst();
        if (module.isEmpty()) {
            missing.add(name + " (Debian package " + debianPackage + ") in " + PAM_MODULE_DIRS);
        }
        Optional<Path> pamtester = onPath("pamtester");
        if (pamtester.isEmpty()) {
            missing.add("pamtester on the PATH (Debian package pamtester)");
        }
        require(test, missing, "apt-get install pamtester " + debianPackage);
        return new PamModule(module.orElseThrow(), pamtester.orElseThrow());
    }

    /** The command's path on the PATH, if there is one. */
    static Optional<Path> onPath(String command) {
        // The sbin directories too: a test run by a user whose PATH lacks them still finds sshd and setpriv.
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin") + ":/usr/sbin:/sbin";
        return Stream.of(path.split(File.pathSeparator)).map(dir -> Path.of(dir, command))
                .filter(Files::isExecutable).findFirst();
    }
}
