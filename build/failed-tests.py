#!/usr/bin/env python3
"""Prints each failed test of the .trx files given: its name, its message and the first lines of its stack trace, so
that the end of a CI log says what failed (the console's own report of it is long scrolled away by then)."""
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in sys.argv[1:]:
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult[@outcome='Failed']", NS):
        print(f"FAILED {result.get('testName')} ({result.get('duration')})")
        message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS).strip()
        stack = result.findtext("t:Output/t:ErrorInfo/t:StackTrace", default="", namespaces=NS).strip()
        for line in message.splitlines()[:20]: print(f"  {line[:400]}")
        for line in stack.splitlines()[:8]: print(f"  {line[:400]}")
