package io.fail2bancluster.agent.path;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A transport's reads that records each pause and resume, in order. */
final class RecordingReads implements BackPressure.Reads {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void pause() {
        calls.add("pause");
    }

    @Override
    public void resume() {
        calls.add("resume");
    }
}
