#!/usr/bin/env python3
"""Writes a Word document (DOCX) from a Markdown file: '#' lines become Heading1/Heading2
paragraphs, fenced code and prose become plain paragraphs, HTML comments are dropped. Used once
to make corpus/node-querystring.docx from Node.js's doc/api/querystring.md (MIT licence)."""
import re
import sys
import zipfile
from xml.sax.saxutils import escape

def paragraphs(markdown):
    out, buf, fence = [], [], False
    def flush():
        if buf:
            out.append((None, " ".join(s.strip() for s in buf)))
            buf.clear()
    text = re.sub(r"<!--.*?-->", "", markdown, flags=re.S)
    for line in text.splitlines():
        if line.startswith("```"):
            flush()
            fence = not fence
            continue
        if fence:
            out.append((None, line))
            continue
        m = re.match(r"^(#{1,3})\s+(.*)", line)
        if m:
            flush()
            out.append(("Heading%d" % len(m.group(1)), m.group(2).replace("`", "")))
        elif not line.strip():
            flush()
        else:
            buf.append(line)
    flush()
    return out

def document(paras):
    body = []
    for style, text in paras:
        ppr = '<w:pPr><w:pStyle w:val="%s"/></w:pPr>' % style if style else ""
        body.append('<w:p>%s<w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>' % (ppr, escape(text)))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            + "".join(body) + "</w:body></w:document>")

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/word/document.xml" '
                 'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="word/document.xml"/></Relationships>')

source, target = sys.argv[1], sys.argv[2]
with open(source, encoding="utf-8") as f:
    paras = paragraphs(f.read())
with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS), ("word/document.xml", document(paras))):
        info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
