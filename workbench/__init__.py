"""The ticket workbench's server side: its pages at /workbench and the working time left on deadlines."""
