-- Indexes for the axis statistics and the administrator's failure list, which read by time.
CREATE INDEX axis_documents_received ON axis_documents(received_at);
CREATE INDEX axis_events_event_at ON axis_events(event, at);
CREATE INDEX axis_deliveries_transport ON axis_deliveries(transport, updated_at);
