"""The agent desktop's server side: static pages at /desktop, softphone credentials, screen pop."""
