"""The Gradio demo (`animate demo`): a tab per mode and a named API endpoint per mode; see demos/README.md."""
