package io.xbow.netback.event;

/**
 * One end of a Xen event channel: a doorbell between frontend and backend. {@link #notifyPeer()} rings the other
 * end; the handler given to {@link #onNotify} runs when this end is rung (on the ringer's thread for in-process
 * channels, on a reader thread for cross-process ones) and must be quick: wake a thread, set a flag. The ring
 * rules (req_event/rsp_event) decide when a notification is needed at all, so a busy ring rings rarely.
 */
public interface EventChannel extends AutoCloseable
{
    /**
     * Ring the other end.
     */
    void notifyPeer();

    /**
     * @param handler runs when the other end rings this one.
     */
    void onNotify(Runnable handler);

    /**
     * @return notifications this end has sent.
     */
    long sent();

    /**
     * @return notifications this end has received.
     */
    long received();

    @Override
    void close();
}
