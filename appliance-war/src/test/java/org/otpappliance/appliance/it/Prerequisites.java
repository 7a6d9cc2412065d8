package org.otpappliance.appliance.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /** The command's path on the PATH, if there is one. */
    static Optional<Path> onPath(String command) {
        // The sbin directories too: a test run by a user whose PATH lacks them still finds sshd and setpriv.
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin") + ":/usr/sbin:/sbin";
        return Stream.of(path.split(File.pathSeparator)).map(dir -> Path.of(dir, command))
                .filter(Files::isExecutable).findFirst();
    }
}
