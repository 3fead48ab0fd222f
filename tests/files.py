"""Real files made in code: a PDF, a DOCX, an old-style DOC, ZIP archives good and bad."""

import io
import stat
import struct
import zipfile

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def pdf() -> bytes:
    """A minimal valid one-page PDF, its cross-reference table at the right offsets."""
    return pdf_of(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
        ]
    )


def pdf_of(objects: list[bytes]) -> bytes:
    """A PDF of these objects (numbered from 1, the first the catalog), cross-referenced."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def docx(text: str = "Hello from a DOCX") -> bytes:
    """A minimal WordprocessingML package: content types, relationships, one paragraph."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    return zip_of(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/word/document.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                "</Types>"
            ),
            "_rels/.rels": (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.'
                'openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
                "</Relationships>"
            ),
            "word/document.xml": (
                f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{w}">'
                f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
            ),
        }
    )


def doc() -> bytes:
    """An old-style Word file's compound-file header sector (OLE2 signature first)."""
    header = bytearray(512)
    header[:8] = OLE2_SIGNATURE
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")  # minor version
    header[0x1A:0x1C] = (0x03).to_bytes(2, "little")  # major version 3
    header[0x1C:0x1E] = (0xFFFE).to_bytes(2, "little")  # little-endian byte order
    header[0x1E:0x20] = (9).to_bytes(2, "little")  # 512-byte sectors
    return bytes(header) + bytes(512)


def zip_of(members: dict[str, bytes | str], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def project_zip() -> tuple[bytes, dict[str, bytes]]:
    """Nested folders, a UTF-8 member, a binary one; and the members by path."""
    members = {
        "README.md": b"# Project\n",
        "src/main.py": b"def main():\n    print('Hello, World!')\n",
        "src/utils/helper.py": b"X = 1\n",
        "docs/caf\u00e9.txt": "Cr\u00e8me br\u00fbl\u00e9e \u2014 \u65e5\u672c\u8a9e\n".encode(),
        "assets/logo.bin": bytes(range(256)) * 4,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("src/", b"")  # a directory entry: not indexed
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue(), members


def zip_slip() -> bytes:
    return zip_of({"fine.txt": b"ok", "../../etc/evil.sh": b"echo owned"})


def absolute_path_zip() -> bytes:
    return zip_of({"/etc/passwd": b"root:x:0:0"})


def symlink_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("link")
        link.create_system = 3
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def zip_bomb(megabytes: int = 50) -> bytes:
    """Zeros that deflate about a thousandfold."""
    return zip_of({"zeros.bin": bytes(megabytes * 1024 * 1024)})


def many_entries_zip(count: int) -> bytes:
    return zip_of({f"f{n}.txt": b"" for n in range(count)}, zipfile.ZIP_STORED)


def empty_entries_zip(count: int, declared: int | None = None) -> bytes:
    """`count` empty stored entries, the end record saying `declared` (default: `count`).

    Written directly, ZIP64 end records included: zipfile takes half a minute and
    hundreds of MiB to write 500,000 entries.
    """
    declared = count if declared is None else declared
    local, central, offset = [], [], 0
    for n in range(count):
        name = f"f{n:06d}".encode()
        # Version 2.0, no flags, stored, no date, CRC 0, sizes 0.
        header = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, *[0] * 7, len(name), 0)
        entry = (b"PK\x01\x02", 20, 20, *[0] * 7, len(name), *[0] * 5, offset)
        central.append(struct.pack("<4s6H3L5H2L", *entry) + name)
        local.append(header + name)
        offset += len(header) + len(name)
    directory = b"".join(central)
    end = b""
    if declared > 0xFFFF:
        counts = (declared, declared, len(directory), offset)
        end += struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, *counts)
        end += struct.pack("<4sLQL", b"PK\x06\x07", 0, offset + len(directory), 1)
    short = min(declared, 0xFFFF)
    end += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, short, short, len(directory), offset, 0)
    return b"".join(local) + directory + end
