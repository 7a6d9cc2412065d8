package org.otpappliance.tokenimport.card;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ctrl-C (SIGINT) while a batch runs: the first asks the batch to stop once the key in hand is done (enrolled, or
 * rolled back); the second also interrupts the batch's thread, which cuts short a wait for the appliance (the key's
 * credential is then removed again, as for any failed registration). Without this the JVM would end at once, maybe
 * between writing a key and registering it.
 *
 * <p>Uses {@code sun.misc.Signal} (module jdk.unsupported) by reflection, so the build has no warning about it; on
 * a runtime without it (or started with {@code -Xrs}) Ctrl-C keeps its default effect. {@link #close()} puts the
 * previous handler back.
 */
final class CtrlC implements AutoCloseable {
    private final AtomicInteger presses = new AtomicInteger();
    private final Thread worker;
    private final PrintWriter err;
    private Object signal;
    private Object previous;
    private Method handle;

    private CtrlC(Thread worker, PrintWriter err) {
        this.worker = worker;
        this.err = err;
    }

    /** Catches SIGINT for {@code worker} until {@link #close()}. */
    static CtrlC install(Thread worker, PrintWriter err) {
        CtrlC c = new CtrlC(worker, err);
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object sigint = signalClass.getConstructor(String.class).newInstance("INT");
            InvocationHandler onCall = (proxy, method, args) -> switch (method.getName()) {
                case "handle" -> {
                    c.pressed();
                    yield null;
                }
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                case "toString" -> "token-import Ctrl-C handler";
                default -> null;
            };
            Object handler = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass}, onCall);
            Method handleMethod = signalClass.getMethod("handle", signalClass, handlerClass);
            c.previous = handleMethod.invoke(null, sigint, handler);
            c.signal = sigint;
            c.handle = handleMethod;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // no sun.misc.Signal, or SIGINT is not ours to catch (-Xrs): Ctrl-C ends the JVM as usual
        }
        return c;
    }

    private void pressed() {
        if (presses.incrementAndGet() == 1) {
            err.println("token-import: Ctrl-C: stopping once the key in hand is done (Ctrl-C again to cut it short)");
        } else {
            err.println("token-import: Ctrl-C again: cutting the key in hand short; its credential is removed again");
            worker.interrupt();
        }
        err.flush();
    }

    /** Whether Ctrl-C was pressed. */
    boolean requested() {
        return presses.get() > 0;
    }

    @Override
    public void close() {
        if (signal != null) {
            try {
                handle.invoke(null, signal, previous);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // the JVM is on its way out
            }
            signal = null;
        }
    }
}
