package org.otpappliance.radius;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.otpappliance.otp.verify.VerificationRequest;
import org.otpappliance.otp.verify.VerificationResult;

/** A validator whose answers a test scripts, recording every call. A fake by design: the adapter's port. */
final class ScriptedValidator implements RadiusValidator {
    @FunctionalInterface
    interface Script {
        VerificationResult answer(VerificationRequest request, RadiusContext context) throws Exception;
    }

    record Call(VerificationRequest request, RadiusContext context) {
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    volatile Script script = (r, c) -> new VerificationResult.Accepted("TOTP0001");

    @Override
    public VerificationResult validate(VerificationRequest request, RadiusContext context) throws Exception {
        calls.add(new Call(request, context));
        return script.answer(request, context);
    }

    Call last() {
        return calls.get(calls.size() - 1);
    }
}
