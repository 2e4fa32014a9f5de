package dev.wasisockets.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The BOM has no parent (so it brings none of the build's own versions into an application), so
 * nothing but this keeps it in step with the build: it names every library module, at the build's
 * version.
 */
class BomTest {
  private static final Path ROOT = Path.of("..");

  @Test
  void theBomListsEveryLibraryModuleAtTheBuildsVersion() throws Exception {
    Document parent = read(ROOT.resolve("pom.xml"));
    Document bom = read(ROOT.resolve("wasi-sockets-bom/pom.xml"));
    List<String> libraryModules = new ArrayList<>();
    for (String module : texts(parent.getElementsByTagName("module"))) {
      if (module.startsWith("wasi-sockets") && !module.equals("wasi-sockets-bom")) {
        libraryModules.add(module);
      }
    }
    Element managed = (Element) bom.getElementsByTagName("dependencyManagement").item(0);

    assertThat(texts(managed.getElementsByTagName("artifactId")))
        .containsExactlyInAnyOrderElementsOf(libraryModules);
    assertThat(texts(managed.getElementsByTagName("version"))).containsOnly("${project.version}");
    assertThat(ownVersion(bom)).isEqualTo(ownVersion(parent));
  }

  private static String ownVersion(Document pom) {
    NodeList children = pom.getDocumentElement().getChildNodes();
    for (int i = 0; i < children.getLength(); i++) {
      if (children.item(i) instanceof Element e && e.getTagName().equals("version")) {
        return e.getTextContent().trim();
      }
    }
    throw new AssertionError("no <version> of its own");
  }

  private static List<String> texts(NodeList nodes) {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      texts.add(nodes.item(i).getTextContent().trim());
    }
    return texts;
  }

  private static Document read(Path pom) throws Exception {
    return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
  }
}
